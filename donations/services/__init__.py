"""Every change to donations, one module per family: orders, notifications, refunds, offline gifts, reconciliation.

Callers import from here (`from donations import services`); the modules import one another one way:
orders ← refunds ← notifications, and offline and reconciliation stand on orders and the models.
"""

from donations.services.duties import (
    campaign_account_draft,
    emergency_receipts_draft,
    partner_evaluation_draft,
)
from donations.services.notifications import notification_process, notification_refuse, notification_store
from donations.services.offline import official_receipt_mark_issued, official_receipt_request, offline_donation_record
from donations.services.orders import (
    NotificationRejected,
    campaign_closed_message,
    donation_amount_parse,
    donation_close_stale,
    donation_create,
    donation_start_payment,
    donation_sync,
)
from donations.services.reconciliation import reconciliation_run, statement_compare
from donations.services.refunds import refund_check, refund_request, refund_submit, refunds_in_flight_check

__all__ = [
    "campaign_account_draft", "emergency_receipts_draft", "partner_evaluation_draft",
    "NotificationRejected", "campaign_closed_message", "donation_amount_parse", "donation_close_stale",
    "donation_create",
    "donation_start_payment", "donation_sync", "notification_process", "notification_refuse", "notification_store",
    "offline_donation_record", "official_receipt_mark_issued", "official_receipt_request", "reconciliation_run", "refund_check", "refund_request",
    "refund_submit", "refunds_in_flight_check", "statement_compare",
]
