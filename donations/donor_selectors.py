"""Reading a signed-in donor's own gifts for 我的捐赠 and the year-end statement (年度捐赠汇总).

Gifts attach to a donor by the contact given with them: the phone number, the e-mail address
(case-insensitive) or the payer's openid. So gifts made before the donor ever opened this page
are theirs too, and nobody else's are.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from donations.models import Donation, DonationStatus, DonorIdentityKind, RefundStatus
from donations.models.orders import PAID_STATUSES
from donations.selectors import receipt_gift_flow
from donations.services.donors import DonorIdentity

BEIJING = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")
GIFTS_SHOWN = 200
STORIES_SHOWN = 3


def _match(identity: DonorIdentity) -> Q:
    if not identity.value:
        return Q(pk__in=[])
    if identity.kind == DonorIdentityKind.PHONE:
        return Q(phone=identity.value)
    if identity.kind == DonorIdentityKind.EMAIL:
        return Q(email__iexact=identity.value)
    if identity.kind == DonorIdentityKind.OPENID:
        return Q(payer_openid=identity.value)
    return Q(pk__in=[])


def donor_gifts(*, identity: DonorIdentity):
    """Every order made with this contact, newest first, closed unpaid ones left out."""
    return (Donation.objects.filter(_match(identity)).exclude(status=DonationStatus.CLOSED)
            .select_related("campaign", "receipt").prefetch_related("refunds").order_by("-created_at", "-id"))


def _project_of(campaign):
    from cms_pages.models import ProjectPage

    parent = campaign.get_parent()
    return ProjectPage.objects.filter(pk=parent.pk).live().public().first() if parent else None


def _project_since(project, since):
    """What a project has published and paid out on or after the day of a gift."""
    from cms_pages.selectors import project_stories
    from ledger.selectors import project_totals

    totals = project_totals(project_id=project.pk, since=since)
    return {
        "project": project,
        "stories": list(project_stories(project).filter(date__gte=since)[:STORIES_SHOWN]),
        "disbursed_since": totals["disbursed"], "disbursements_since": totals["disbursement_count"],
        "disbursed_total": project_totals(project_id=project.pk)["disbursed"],
    }


def _official_receipt_state(donation):
    if not donation.wants_official_receipt:
        return ""
    return "issued" if donation.official_receipt_issued_at else "requested"


def donor_page(*, identity: DonorIdentity) -> dict:
    """Each gift with its status, certificate, refunds, official-receipt request, and its project since."""
    # A donor often gives to one campaign many times: look its project up once, and each day's news once.
    parents, projects = {}, {}
    gifts = []
    for donation in donor_gifts(identity=identity)[:GIFTS_SHOWN]:
        receipt = getattr(donation, "receipt", None) if donation.is_paid else None
        when = (donation.paid_at or donation.created_at).astimezone(BEIJING)
        campaign = donation.campaign
        if campaign.pk not in parents:
            parents[campaign.pk] = _project_of(campaign)
        key = (campaign.pk, when.date())
        if key not in projects:
            project = parents[campaign.pk]
            projects[key] = _project_since(project, when.date()) if project else None
        gifts.append({
            "donation": donation, "when": when, "receipt": receipt,
            "refunds": [{"amount": r.amount, "at": (r.refunded_at or r.completed_at or r.created_at).astimezone(BEIJING)}
                        for r in donation.refunds.all() if r.status == RefundStatus.SUCCEEDED],
            "official_receipt": _official_receipt_state(donation),
            "project": projects[key],
            "flow": receipt_gift_flow(receipt=receipt) if receipt else None,
        })
    return {"gifts": gifts, "years": donor_statement_years(identity=identity)}


def _year_bounds(year: int):
    return datetime(year, 1, 1, tzinfo=BEIJING), datetime(year + 1, 1, 1, tzinfo=BEIJING)


def _paid_gifts(identity):
    return Donation.objects.filter(_match(identity), status__in=PAID_STATUSES, paid_at__isnull=False)


def donor_statement_years(*, identity: DonorIdentity) -> list[int]:
    """Calendar years (Beijing time) in which this donor has a gift not wholly refunded, newest first."""
    years = {d.paid_at.astimezone(BEIJING).year
             for d in _paid_gifts(identity).exclude(status=DonationStatus.REFUNDED).only("paid_at")}
    return sorted(years, reverse=True)


def donor_year_statement(*, identity: DonorIdentity, year: int) -> dict | None:
    """The year's paid gifts net of refunds, with receipt numbers and the total; None for a year with none."""
    start, end = _year_bounds(year)
    rows = []
    for donation in (_paid_gifts(identity).filter(paid_at__gte=start, paid_at__lt=end)
                     .select_related("campaign", "receipt").order_by("paid_at", "id")):
        net = donation.amount - donation.refunded_amount
        if net <= ZERO:
            continue
        receipt = getattr(donation, "receipt", None)
        rows.append({"paid_at": donation.paid_at.astimezone(BEIJING), "campaign_title": donation.campaign.title,
                     "receipt_number": receipt.number if receipt else "", "out_trade_no": donation.out_trade_no,
                     "amount": donation.amount, "refunded": donation.refunded_amount, "net": net,
                     "donor_name": donation.donor_name})
    if not rows:
        return None
    names = [r["donor_name"] for r in rows if r["donor_name"]]
    return {"year": year, "rows": rows, "total": sum((r["net"] for r in rows), ZERO),
            "donor_name": names[-1] if names else "", "identity": identity_masked(identity)}


def donor_year_statement_pdf(*, identity: DonorIdentity, year: int) -> bytes | None:
    """The statement as a PDF, signed off by the foundation that received every campaign's gifts; None if none."""
    from django.conf import settings
    from django.utils import timezone

    from cms_pages.models import FundSettings
    from donations.receipts.statement import render_year_statement_pdf
    from donations.selectors import charity_uscc

    statement = donor_year_statement(identity=identity, year=year) if 2000 <= year <= 9999 else None
    if statement is None:
        return None
    fund = FundSettings.objects.first()
    return render_year_statement_pdf(
        statement=statement, fundraiser_name=(fund.foundation_name if fund else "") or settings.WAGTAIL_SITE_NAME,
        fundraiser_uscc=charity_uscc(fund), generated_at=timezone.localtime(),
    )


def identity_masked(identity: DonorIdentity) -> str:
    """How the page and statement name the signed-in identity: 138****1234, a***@example.com, 微信用户."""
    if identity.kind == DonorIdentityKind.PHONE:
        return f"手机 {identity.value[:3]}****{identity.value[-4:]}"
    if identity.kind == DonorIdentityKind.EMAIL:
        local, _, domain = identity.value.partition("@")
        return f"邮箱 {local[:1]}***@{domain}"
    return "微信身份"
