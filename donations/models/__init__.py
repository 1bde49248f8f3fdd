"""Donation models, split by family; import from here."""

from donations.models.campaigns import CampaignPage
from donations.models.donors import DonorCode, DonorIdentityKind
from donations.models.orders import (
    Channel,
    Donation,
    DonationEvent,
    DonationStatus,
    Gateway,
    GatewayNotification,
    NotificationOutcome,
)
from donations.models.ratelimit import RateLimitCounter
from donations.models.receipts import RECEIPT_STRIPES, Receipt, ReceiptStripe, receipt_number
from donations.models.reconciliation import ReconciliationRun
from donations.models.refunds import Refund, RefundEvent, RefundStatus

__all__ = [
    "CampaignPage", "Channel", "DonorCode", "DonorIdentityKind", "Donation", "DonationEvent", "DonationStatus", "Gateway",
    "GatewayNotification", "NotificationOutcome", "RateLimitCounter", "RECEIPT_STRIPES", "Receipt", "ReceiptStripe", "receipt_number", "ReconciliationRun",
    "Refund", "RefundEvent", "RefundStatus",
]
