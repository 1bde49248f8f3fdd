"""Background work on django-tasks (database backend; `manage.py db_worker` runs it)."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from donations.gateways.base import GatewayError

logger = logging.getLogger(__name__)


@task()
def receipt_email_send(*, receipt_id: int) -> bool:
    """E-mail the certificate to a donor who gave an address; sent once, whatever the retries."""
    from donations.models import Receipt
    from donations.selectors import receipt_pdf

    receipt = Receipt.objects.select_related("donation", "donation__campaign").get(pk=receipt_id)
    donation = receipt.donation
    if receipt.emailed_at or not donation.email:
        return False
    link = settings.SITE_BASE_URL.rstrip("/") + reverse("donations:receipt_download", args=[receipt.token])
    message = EmailMessage(
        subject=f"捐赠证书 {receipt.number}：感谢您支持{donation.campaign.title}",
        body=(
            f"您好！\n\n您于 {timezone.localtime(donation.paid_at):%Y-%m-%d %H:%M} 向“{donation.campaign.title}”"
            f"捐赠 {donation.amount} 元，已到账。捐赠证书编号 {receipt.number}，见附件，也可在此下载：\n{link}\n\n"
            "谢谢您的善意。"
        ),
        to=[donation.email],
    )
    message.attach(f"捐赠证书-{receipt.number}.pdf", receipt_pdf(receipt=receipt), "application/pdf")
    message.send()
    Receipt.objects.filter(pk=receipt.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


@task()
def donations_close_stale() -> int:
    """Close orders left unpaid past their time (asking the gateway first, so a late payment is kept)."""
    from donations.selectors import stale_donations
    from donations.services import donation_close_stale

    closed = 0
    for donation in stale_donations(older_than=timedelta(minutes=settings.DONATION_PENDING_MINUTES + 5)):
        try:
            if donation_close_stale(donation=donation).status == "closed":
                closed += 1
        except GatewayError as exc:
            logger.warning("Could not close %s: %s", donation.out_trade_no, exc)
    return closed


@task()
def donations_query_late() -> int:
    """Ask the gateway about recent pending orders whose notification has not come."""
    from donations.selectors import late_donations
    from donations.services import donation_sync

    settled = 0
    for donation in late_donations(older_than=timedelta(minutes=2)):
        try:
            if donation_sync(donation=donation, cause="定时查询：通知未到").is_paid:
                settled += 1
        except GatewayError as exc:
            logger.warning("Could not query %s: %s", donation.out_trade_no, exc)
    return settled


@task()
def statement_reconcile(*, gateway: str, day: str) -> int:
    """Compare a day's gateway statement with our records and store every mismatch."""
    from donations.services.reconciliation import reconciliation_run

    run = reconciliation_run(gateway=gateway, day=date.fromisoformat(day))
    return run.mismatch_count


@task()
def refund_follow_up(*, refund_id: int) -> str:
    """Ask the gateway about one refund in flight (resubmitting it when it never arrived) until it settles."""
    from donations.models import Refund
    from donations.services import refund_check

    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None:
        return "missing"
    return refund_check(refund=refund).status


def refund_follow_up_schedule(*, refund_id: int, when) -> None:
    """Queue the next look at a refund for its time; backends that cannot defer leave it to the sweep."""
    if refund_follow_up.get_backend().supports_defer:
        refund_follow_up.using(run_after=when).enqueue(refund_id=refund_id)


@task()
def refunds_follow_up_due() -> int:
    """The sweep: every refund still in flight whose time has come is asked about again."""
    from donations.services import refunds_in_flight_check

    return refunds_in_flight_check()


@task()
def donor_codes_purge() -> int:
    """Delete 我的捐赠 sign-in codes a day past their expiry."""
    from donations.services.donors import donor_codes_purge as purge

    return purge()
