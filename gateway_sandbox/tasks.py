"""Notification delivery on django-tasks: the first attempt inline, retries by `manage.py db_worker`."""

from django.utils import timezone
from django_tasks import task

from . import alipay, wechatpay
from .models import SandboxNotification, SandboxRefund
from .services import notification_attempt, refunds_due

HEADERS_FOR = {"alipay": alipay.notification_headers, "wechatpay": wechatpay.notification_headers}


def _attempt(notification):
    return notification_attempt(notification=notification, headers_for=HEADERS_FOR[notification.trade.gateway])


def _schedule(notification):
    """Queue the next attempt; backends that cannot defer leave it to ``notifications_retry_due``."""
    if notification.next_attempt_at is None or notification.delivered_at is not None:
        return
    if notification_deliver.get_backend().supports_defer:
        notification_deliver.using(run_after=notification.next_attempt_at).enqueue(notification.pk)


@task()
def notification_deliver(notification_id):
    """One scheduled attempt; a failure queues the next one on the compressed schedule."""
    notification = SandboxNotification.objects.select_related("trade").get(pk=notification_id)
    if notification.delivered_at is not None or notification.next_attempt_at is None:
        return True
    if notification.next_attempt_at > timezone.now():
        _schedule(notification)
        return False
    acknowledged = _attempt(notification)
    if not acknowledged:
        _schedule(notification)
    return acknowledged


def notification_send(notification):
    """Deliver at once, inside the request that caused it, so `make run` works without a worker."""
    if notification is None:
        return None
    acknowledged = _attempt(notification)
    if not acknowledged:
        _schedule(notification)
    return acknowledged


@task()
def notifications_retry_due():
    """Attempt every undelivered notification whose time has come (also `manage.py sandbox_renotify`)."""
    due = SandboxNotification.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=timezone.now())
    return sum(1 for notification in due.select_related("trade") if _attempt(notification))


@task()
def refund_settle(refund_id):
    """A WeChat refund's PROCESSING time is over: settle it and notify the refund's notify_url."""
    record = SandboxRefund.objects.select_related("trade").get(pk=refund_id)
    if record.status == SandboxRefund.Status.PROCESSING and record.settles_at <= timezone.now():
        wechatpay.refund_settle(record)
    return record.status


def refund_settle_schedule(record):
    """Settle later on a worker; without one the refund settles on the merchant's query or `sandbox_renotify`."""
    if record.settles_at is not None and refund_settle.get_backend().supports_defer:
        refund_settle.using(run_after=record.settles_at).enqueue(record.pk)


@task()
def refunds_settle_due():
    """Settle every WeChat refund whose PROCESSING time is over (also run by `manage.py sandbox_renotify`)."""
    due = list(refunds_due().select_related("trade"))
    for record in due:
        wechatpay.refund_settle(record)
    return len(due)
