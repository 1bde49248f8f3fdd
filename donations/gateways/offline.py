"""Bank transfers entered by finance staff: no remote gateway, so a refund is the staff's own bank transfer."""

from django.utils import timezone

from donations.gateways.base import PaymentGateway, RefundOutcome, RefundState


class OfflineGateway(PaymentGateway):
    """Refunds of offline gifts: staff return the money by bank and record it; it is done when recorded."""

    name = "offline"
    channels = ("offline",)

    def refund(self, *, out_trade_no, out_request_no, amount, total, reason, notify_url=""):
        return RefundOutcome(state=RefundState.SUCCEEDED, refunded_at=timezone.now(), data={"offline": True})

    def query_refund(self, *, out_trade_no, out_request_no):
        # Nothing remote to ask: a refund of an offline gift is settled the moment staff record it.
        return RefundOutcome(state=RefundState.SUCCEEDED, refunded_at=timezone.now(), data={"offline": True})
