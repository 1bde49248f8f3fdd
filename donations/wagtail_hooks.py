"""Finance staff's admin for donations: orders, offline transfers, refunds, receipts, reconciliation.

Every viewset is append-only (ledger.viewsets): reading, and recording through a service, are the only routes.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.auth import permission_required
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, PageChooserPanel
from wagtail.admin.viewsets.base import ViewSetGroup

from donations import selectors, services
from donations.admin_forms import OfflineTransferForm, ReconciliationForm, RefundRequestForm
from donations.admin_labels import LabelledViewSetMixin
from donations.models import Donation, GatewayNotification, Receipt, ReconciliationRun, Refund
from donations.services.reconciliation import reconciliation_run
from ledger.viewsets import AppendOnlyViewSet, ServiceCreateView


class OfflineTransferView(ServiceCreateView):
    """Record a bank transfer: paid at once, a ledger entry with the voucher, a receipt number."""

    page_title = gettext_lazy("录入银行转账")

    def call_service(self, data):
        return services.offline_donation_record(
            campaign=data["campaign"].specific, amount=data["amount"], donor_name=data["donor_name"],
            anonymous=data["anonymous"], show_name=data["show_name"], message=data["message"], phone=data["phone"], email=data["email"],
            received_at=data["received_at"], bank_reference=data["bank_reference"], voucher=data["voucher"],
            recorded_by=self.request.user, wants_official_receipt=data["wants_official_receipt"],
            official_receipt_title=data["official_receipt_title"], taxpayer_number=data["taxpayer_number"],
        )


class RefundRequestView(ServiceCreateView):
    """Refund part or all of a gift through its gateway, with an idempotent request number."""

    page_title = gettext_lazy("发起退款")

    def call_service(self, data):
        donation = Donation.objects.filter(out_trade_no=data["out_trade_no"].strip()).first()
        if donation is None:
            raise ValidationError({"out_trade_no": "订单号不存在。"})
        refund = services.refund_request(donation=donation, amount=data["amount"], reason=data["reason"],
                                         requested_by=self.request.user)
        if refund.status == "failed":
            messages.error(self.request, f"支付平台拒绝退款：{refund.error}")
        elif refund.status == "requested":
            messages.warning(self.request, f"退款尚未完成（{refund.error or '处理中'}）：系统会自动向支付平台查询，直到退款完成或失败；进展见退款详情。")
        return refund


class ReconcileView(ServiceCreateView):
    """Fetch a day's statement and compare it with our records now."""

    page_title = gettext_lazy("对账")

    def call_service(self, data):
        return reconciliation_run(gateway=data["gateway"], day=data["day"])


class DonationViewSet(AppendOnlyViewSet):
    """Every order, its state and history; the add view records an offline bank transfer."""

    model = Donation
    add_view_class = OfflineTransferView
    icon = "pick"
    menu_label = "捐赠订单"
    list_display = ["out_trade_no", "campaign", "amount", "status", "gateway", "paid_at", "wants_official_receipt"]
    list_filter = ["status", "gateway", "wants_official_receipt", "is_demo"]
    search_fields = ["out_trade_no", "gateway_trade_no", "donor_name"]
    edit_handler = ObjectList([
        PageChooserPanel("campaign", page_type="donations.CampaignPage"),
        FieldRowPanel([FieldPanel("amount"), FieldPanel("received_at"), FieldPanel("bank_reference")]),
        FieldPanel("voucher"),
        MultiFieldPanel([FieldPanel("donor_name"), FieldPanel("anonymous"), FieldPanel("show_name"), FieldPanel("message"),
                         FieldPanel("phone"), FieldPanel("email")], heading="捐赠人"),
        MultiFieldPanel([FieldPanel("wants_official_receipt"), FieldPanel("official_receipt_title"),
                         FieldPanel("taxpayer_number")], heading="公益事业捐赠票据"),
    ], base_form_class=OfflineTransferForm)
    inspect_view_fields = [
        "out_trade_no", "campaign", "gateway", "channel", "amount", "refunded_amount", "status", "gateway_trade_no",
        "donor_name", "anonymous", "show_name", "message", "phone", "email", "wants_official_receipt", "official_receipt_title",
        "taxpayer_number", "official_receipt_issued_at", "voucher", "created_at", "paid_at", "closed_at", "is_demo",
    ]


class RefundViewSet(LabelledViewSetMixin, AppendOnlyViewSet):
    """Refunds in part or in full; each one a reversing ledger entry once the gateway moves the money."""

    model = Refund
    add_view_class = RefundRequestView
    icon = "undo"
    menu_label = "退款"
    list_display = ["out_request_no", "donation", "amount", "status", "created_at", "completed_at"]
    field_labels = {"donation": "捐赠订单", "status": "状态", "gateway_response": "渠道应答", "error": "错误",
                    "requested_by": "申请人", "created_at": "申请时间", "completed_at": "完成时间"}
    list_filter = ["status"]
    search_fields = ["out_request_no", "donation__out_trade_no"]
    edit_handler = ObjectList([FieldPanel("out_trade_no"), FieldPanel("amount"), FieldPanel("reason")],
                              base_form_class=RefundRequestForm)
    inspect_view_fields = ["out_request_no", "donation", "amount", "reason", "status", "error", "gateway_response",
                           "created_at", "completed_at"]


class ReconciliationViewSet(AppendOnlyViewSet):
    """Each day's statement compared with our records, every mismatch listed."""

    model = ReconciliationRun
    add_view_class = ReconcileView
    icon = "tasks"
    menu_label = "对账"
    list_display = ["day", "gateway", "statement_lines", "matched", "mismatch_count", "ran_at"]
    list_filter = ["gateway", "day"]
    edit_handler = ObjectList([FieldPanel("gateway"), FieldPanel("day")], base_form_class=ReconciliationForm)
    inspect_view_fields = ["gateway", "day", "ran_at", "statement_lines", "matched", "mismatch_count", "mismatches",
                           "error"]


class NotificationViewSet(LabelledViewSetMixin, AppendOnlyViewSet):
    """Every gateway notification as received, with what became of it."""

    model = GatewayNotification
    icon = "mail"
    menu_label = "支付通知"
    list_display = ["received_at", "gateway", "out_trade_no", "verified", "outcome", "error"]
    field_labels = {"received_at": "收到时间", "gateway": "支付渠道", "out_trade_no": "订单号", "verified": "验签通过",
                    "outcome": "处理结果", "error": "错误", "remote_addr": "来源地址", "processed_at": "处理时间",
                    "headers": "请求头", "body": "正文"}
    list_filter = ["gateway", "outcome", "verified"]
    search_fields = ["out_trade_no"]
    inspect_view_fields = ["received_at", "gateway", "remote_addr", "verified", "out_trade_no", "outcome", "error",
                           "processed_at", "headers", "body"]


class ReceiptViewSet(LabelledViewSetMixin, AppendOnlyViewSet):
    """Donation certificates as issued: number, gift and dates; numbers are taken by the service only."""

    model = Receipt
    icon = "doc-full"
    menu_label = "捐赠证书"
    list_display = ["number", "donation", "issued_at", "emailed_at"]
    field_labels = {"donation": "捐赠订单", "year": "年度", "stripe": "编号段", "serial": "序号"}
    list_filter = ["year"]
    search_fields = ["number", "donation__out_trade_no"]
    inspect_view_fields = ["number", "year", "serial", "donation", "issued_at", "emailed_at"]


class DonationsGroup(ViewSetGroup):
    """The 捐赠 menu for finance staff."""

    menu_label = "捐赠管理"
    menu_icon = "pick"
    menu_order = 260
    items = (DonationViewSet("donations_donation"), RefundViewSet("donations_refund"),
             ReconciliationViewSet("donations_reconciliation"), NotificationViewSet("donations_notification"),
             ReceiptViewSet("donations_receipt"))


@hooks.register("register_admin_viewset")
def register_donations_viewsets():
    return DonationsGroup()


@require_POST
@permission_required("donations.issue_official_receipt")
def official_receipt_issue(request, pk):
    """Mark the official 公益事业捐赠票据 of a gift as issued."""
    donation = get_object_or_404(Donation, pk=pk)
    try:
        services.official_receipt_mark_issued(donation=donation, issued_by=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已记录：订单 {donation.out_trade_no} 的捐赠票据已开具。")
    return redirect(reverse("donations_official_receipts"))


@permission_required("donations.issue_official_receipt")
def official_receipt_requests(request):
    """Donors' requests for the official receipt, pending first, so none is forgotten."""
    status = "issued" if request.GET.get("status") == "issued" else "pending"
    requests = selectors.official_receipt_requests(issued=status == "issued").order_by("paid_at")
    return TemplateResponse(request, "donations/admin/official_receipts.html", {
        "requests": requests[:500], "status": status,
        "pending_count": selectors.official_receipt_requests(issued=False).count(),
    })


@hooks.register("register_admin_urls")
def register_official_receipt_urls():
    return [
        path("donations/official-receipts/", official_receipt_requests, name="donations_official_receipts"),
        path("donations/official-receipt/<int:pk>/issue/", official_receipt_issue,
             name="donations_official_receipt_issue"),
    ]


@hooks.register("register_admin_menu_item")
def official_receipts_menu_item():
    return AdminOnlyIfPermittedMenuItem(
        "捐赠票据", reverse("donations_official_receipts"), icon_name="doc-full", order=261,
    )


class AdminOnlyIfPermittedMenuItem(MenuItem):
    """Shown only to users who may mark receipts issued (finance staff)."""

    def is_shown(self, request):
        return request.user.has_perm("donations.issue_official_receipt")
