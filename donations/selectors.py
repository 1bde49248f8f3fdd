"""Reading donations: campaign totals, the public donor list, receipts, lookups."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from donations.models import CampaignPage, Donation, DonationStatus, Receipt, Refund, RefundStatus
from donations.models.orders import PAID_STATUSES
from wechat.browser import in_wechat

ZERO = Decimal("0.00")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name only, as donors' privacy requires."""
    name = (name or "").strip()
    if not name:
        return "爱心人士"
    return name[0] + "*" * max(1, len(name) - 1)


PUBLIC_NAME_DEFAULT = "爱心人士"


def donor_display_name(donation: Donation) -> str:
    """The name public pages show: the masked name only when the donor ticked 公开我的姓名 (Charity Law Art 82)."""
    if donation.anonymous:
        return "匿名爱心人士"
    if not donation.show_name:
        return PUBLIC_NAME_DEFAULT
    return mask_name(donation.donor_name)


def certificate_name(donation: Donation) -> str:
    """Whom the certificate and the donor's own pages address: the name the donor gave, unmasked."""
    return (donation.donor_name or "").strip() or PUBLIC_NAME_DEFAULT


def lookup_name(donation: Donation) -> str:
    """The lookup page (order number + phone's last four): the donor's own gift, the name still masked."""
    return "匿名爱心人士" if donation.anonymous else mask_name(donation.donor_name)


def charity_uscc(fund=None) -> str:
    """The fundraising charity's unified social credit code: the fund's settings, else FOUNDATION_USCC."""
    return (fund.foundation_uscc if fund else "") or settings.FOUNDATION_USCC


def campaign_for_project(project) -> CampaignPage | None:
    """The live campaign under a project page, newest first, or None."""
    if project is None:
        return None
    return (
        CampaignPage.objects.child_of(project).live().public().order_by("-first_published_at").first()
    )


def campaign_state(campaign: CampaignPage, today=None) -> str:
    """"open", "ended" (past its end date) or "upcoming" (before its start date)."""
    today = today or timezone.localdate()
    if campaign.has_ended(today):
        return "ended"
    return "upcoming" if campaign.starts_on > today else "open"


def campaign_totals(*, campaign: CampaignPage) -> dict:
    """Raised (paid less refunds, from the ledger), donor count, goal, progress and days left."""
    from ledger.models import EntryKind, EntrySource
    from ledger.selectors import source_total

    orders = Donation.objects.filter(campaign=campaign, status__in=PAID_STATUSES)
    refs = orders.values("out_trade_no")
    refund_refs = Refund.objects.filter(donation__campaign=campaign, status=RefundStatus.SUCCEEDED).values(
        "out_request_no"
    )
    donated = source_total(kind=EntryKind.DONATION, source=EntrySource.DONATION, source_refs=refs)
    refunded = source_total(kind=EntryKind.REFUND, source=EntrySource.REFUND, source_refs=refund_refs)
    raised = donated - refunded
    donors = orders.exclude(status=DonationStatus.REFUNDED).count()
    progress = min(100, int(raised * 100 / campaign.goal)) if campaign.goal else 0
    today = timezone.localdate()
    days_left = (campaign.ends_on - today).days if campaign.ends_on else None
    return {
        "raised": raised, "donated": donated, "refunded": refunded, "donors": donors, "goal": campaign.goal,
        "progress_percent": progress, "days_left": max(days_left, 0) if days_left is not None else None,
        "is_open": campaign.is_open(today), "state": campaign_state(campaign, today),
    }


def fundraiser_info(*, campaign: CampaignPage, request=None) -> dict:
    """The charity-law disclosure: the campaign's own values, else the fund's settings.

    The charity holding the public-fundraising qualification raises the money; the fund (a special fund under
    it) is the partner that runs the campaign, and its office is whom a donor asks.
    """
    from cms_pages.models import FundSettings

    fund = FundSettings.for_request(request) if request is not None else FundSettings.objects.first()
    return {
        "name": campaign.fundraiser_name or (fund.foundation_name if fund else ""),
        "uscc": campaign.fundraiser_uscc or charity_uscc(fund),
        "qualification": campaign.qualification,
        "filing_number": campaign.filing_number,
        "partner": campaign.partner_name or ((fund.fund_full_name or fund.fund_name) if fund else ""),
        "contact": ("；".join(part for part in (fund.office, fund.contact) if part)) if fund else "",
    }


def public_donor_list(*, campaign: CampaignPage | None = None, limit: int = 50) -> list[dict]:
    """Public rows only: masked name, amount, time, message. No contact details ever leave this function."""
    orders = Donation.objects.filter(status__in=PAID_STATUSES).select_related("campaign")
    if campaign is not None:
        orders = orders.filter(campaign=campaign)
    orders = orders.order_by("-paid_at")[:limit]
    return [
        {
            "name": donor_display_name(d), "amount": d.amount, "paid_at": d.paid_at, "message": d.message,
            "campaign_title": d.campaign.title, "campaign_url": d.campaign.url, "is_demo": d.is_demo,
            "refunded": d.status == DonationStatus.REFUNDED,
        }
        for d in orders
    ]


def campaign_context(*, campaign: CampaignPage, request) -> dict:
    from donations.duty_selectors import campaign_duties
    from donations.gateways import enabled_online_gateways

    return {
        "totals": campaign_totals(campaign=campaign),
        "fundraiser": fundraiser_info(campaign=campaign, request=request),
        "donors": public_donor_list(campaign=campaign, limit=20),
        "preset_amounts": campaign.preset_amount_list(),
        "min_amount": Decimal(settings.DONATION_MIN_AMOUNT),
        "max_amount": Decimal(settings.DONATION_MAX_AMOUNT),
        "gateways": enabled_online_gateways(),
        # Inside WeChat only WeChat Pay (JSAPI) works: the form offers it alone and says how to reach Alipay.
        "in_wechat": request is not None and in_wechat(request),
        "today": timezone.localdate(),
        "duties": campaign_duties(campaign, short=True),
    }


def donation_by_resume_token(*, token: str) -> Donation | None:
    return Donation.objects.select_related("campaign").filter(resume_token=token).first()


def receipt_by_token(*, token: str) -> Receipt | None:
    return Receipt.objects.select_related("donation", "donation__campaign").filter(token=token).first()


def receipt_by_number(*, number: str) -> Receipt | None:
    return Receipt.objects.select_related("donation", "donation__campaign").filter(number=number).first()


def receipt_public_facts(*, receipt: Receipt) -> dict:
    """What the verification page may show: masked name, amount, date, campaign."""
    donation = receipt.donation
    return {
        "number": receipt.number, "name": donor_display_name(donation), "amount": donation.amount,
        "refunded_amount": donation.refunded_amount, "paid_at": donation.paid_at,
        "campaign_title": donation.campaign.title, "status": donation.get_status_display(),
    }


def _gift_entry_id(donation: Donation) -> int | None:
    from ledger.models import EntrySource
    from ledger.selectors import entry_id_for_source

    return entry_id_for_source(kind="donation", source=EntrySource.DONATION, source_ref=donation.out_trade_no)


def gift_proof(*, donation: Donation) -> dict | None:
    """The gift's place in the transparency log, for the pages that show one gift.

    None for an unpaid order; {"state": "pending"} while its ledger entry waits to be appended;
    else {"state": "in_log", "block": the proof block, "reversed_by": id of a correction or None,
    "refunds": [{"amount", "entry_id", "url"}]} (each refund is an entry of its own, proved apart).
    """
    if not donation.is_paid:
        return None
    from ledger import selectors as ledger
    from ledger.models import EntrySource

    entry_id = _gift_entry_id(donation)
    block = ledger.inclusion_block(entry_id) if entry_id else None
    if block is None:
        return {"state": "pending"}
    refunds = []
    for refund in donation.refunds.filter(status=RefundStatus.SUCCEEDED).order_by("pk"):
        refund_entry = ledger.entry_id_for_source(kind="refund", source=EntrySource.REFUND, source_ref=refund.out_request_no)
        refunds.append({"amount": refund.amount, "entry_id": refund_entry,
                        "url": ledger.inclusion_proof_path(refund_entry, block["data"]["head"]["size"])
                        if refund_entry and refund_entry <= block["data"]["head"]["size"] else ""})
    return {"state": "in_log", "block": block, "reversed_by": ledger.entry_reversed_by(entry_id), "refunds": refunds}


def gift_log_facts(*, donation: Donation) -> dict | None:
    """What a printed certificate cites: the leaf and the first signed head that included it (it never changes).

    None while the entry is still waiting to be appended.
    """
    from ledger import selectors as ledger

    entry_id = _gift_entry_id(donation) if donation.is_paid else None
    head = ledger.entry_first_head(entry_id) if entry_id else None
    if head is None:
        return None
    from django.urls import reverse

    base = settings.SITE_BASE_URL.rstrip("/")
    return {"entry_id": entry_id, "index": entry_id - 1, "head": head,
            "proof_url": base + ledger.inclusion_proof_path(entry_id, head["size"]),
            "verifier_url": base + reverse("ledger:verifier")}


GIFT_FLOW_SHOWN = 20


def receipt_gift_flow(*, receipt: Receipt) -> dict:
    """Where the certificate's gift went, for its public page, by the ledger's published rule.

    state: "recording" (paid, not yet appended to the ledger), "refunded" (nothing left to
    follow), "unspent", "partly" or "spent". At most GIFT_FLOW_SHOWN disbursements are listed;
    ``more`` counts the rest.
    """
    from ledger.models import EntrySource
    from ledger.selectors import gift_spending

    donation = receipt.donation
    flow = gift_spending(source=EntrySource.DONATION, source_ref=donation.out_trade_no)
    if flow is None:
        return {"state": "recording"}
    allocations = flow["allocations"]
    if Decimal(flow["net"]) == ZERO:
        state = "refunded"
    elif not allocations:
        state = "unspent"
    else:
        state = "partly" if Decimal(flow["unspent"]) > ZERO else "spent"
    return {
        **flow, "state": state, "shown": allocations[:GIFT_FLOW_SHOWN],
        "more": max(0, len(allocations) - GIFT_FLOW_SHOWN),
        "spent": Decimal(flow["spent"]), "unspent": Decimal(flow["unspent"]), "net": Decimal(flow["net"]),
    }


def receipt_pdf(*, receipt: Receipt) -> bytes:
    from django.urls import reverse

    from donations.receipts.pdf import render_certificate_pdf

    donation = receipt.donation
    fundraiser = fundraiser_info(campaign=donation.campaign)
    return render_certificate_pdf(
        receipt_number=receipt.number, donor_display_name=certificate_name(donation), amount=donation.amount,
        paid_at=donation.paid_at, campaign_title=donation.campaign.title,
        fundraiser_name=fundraiser["name"], fundraiser_uscc=fundraiser["uscc"],
        verify_url=settings.SITE_BASE_URL.rstrip("/") + reverse("donations:receipt_verify", args=[receipt.number]),
        log_facts=gift_log_facts(donation=donation),
    )


def donation_lookup(*, out_trade_no: str, phone_last4: str) -> Donation | None:
    """A past gift found by its order number and the last four digits of the phone given with it."""
    out_trade_no, phone_last4 = (out_trade_no or "").strip(), (phone_last4 or "").strip()
    if not out_trade_no or len(phone_last4) != 4 or not (phone_last4.isascii() and phone_last4.isdigit()):
        return None
    donation = Donation.objects.select_related("campaign").filter(out_trade_no=out_trade_no).first()
    if donation is None or not donation.phone or not donation.phone.endswith(phone_last4):
        return None
    return donation


def stale_donations(*, older_than: timedelta):
    cutoff = timezone.now() - older_than
    return Donation.objects.filter(
        status__in=[DonationStatus.CREATED, DonationStatus.PENDING], created_at__lt=cutoff
    ).exclude(gateway="offline")


def late_donations(*, older_than: timedelta):
    now = timezone.now()
    return Donation.objects.filter(
        status=DonationStatus.PENDING, created_at__lt=now - older_than,
        created_at__gte=now - timedelta(minutes=settings.DONATION_PENDING_MINUTES + 5),
    )


def official_receipt_requests(*, issued: bool | None = None):
    orders = Donation.objects.filter(wants_official_receipt=True, status__in=PAID_STATUSES)
    if issued is not None:
        orders = orders.filter(official_receipt_issued_at__isnull=not issued)
    return orders


def overall_totals() -> dict:
    stats = Donation.objects.filter(status__in=PAID_STATUSES).aggregate(
        donors=Count("id", filter=~Q(status=DonationStatus.REFUNDED))
    )
    return {"donors": stats["donors"]}
