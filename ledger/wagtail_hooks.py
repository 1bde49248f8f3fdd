"""The finance admin: list, inspect and record ledger entries; there is no edit or delete route."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList, PageChooserPanel

from ledger import voucher_hooks  # noqa: F401  (voucher serve and document guards register on import)
from ledger.forms import LedgerEntryForm
from ledger.models import LedgerEntry
from ledger.services import entry_record
from ledger.viewsets import AppendOnlyViewSet, ServiceCreateView


class RecordEntryView(ServiceCreateView):
    """Records through entry_record, so the admin obeys every rule the service enforces."""

    success_message = "已登记：%(object)s"

    def call_service(self, data):
        return entry_record(
            kind=data["kind"], amount=data["amount"], occurred_on=data["occurred_on"], memo=data["memo"],
            project_id=data["project"].pk if data.get("project") else None,
            reverses=data.get("reverses"), voucher=data.get("voucher"), recorded_by=self.request.user,
        )


class LedgerEntryViewSet(AppendOnlyViewSet):
    """Finance staff's view of the ledger: append and read, never change."""

    model = LedgerEntry
    add_view_class = RecordEntryView
    icon = "list-ol"
    menu_label = "资金账本"
    add_to_admin_menu = True
    menu_order = 250
    list_display = ["id", "kind", "amount", "occurred_on", "project", "memo"]
    list_filter = ["kind", "occurred_on"]
    search_fields = ["memo", "source_ref"]
    edit_handler = ObjectList([
        FieldRowPanel([FieldPanel("kind"), FieldPanel("occurred_on")]),
        PageChooserPanel("project", page_type=settings.LEDGER_PROJECT_MODEL),
        FieldPanel("amount"),
        FieldPanel("memo"),
        FieldPanel("voucher"),
        FieldPanel("reverses"),
    ], base_form_class=LedgerEntryForm)
    inspect_view_fields = [
        "id", "kind", "amount", "occurred_on", "recorded_at", "project", "category_label", "memo",
        "source", "source_ref", "reverses", "voucher", "voucher_sha256", "prev_hash", "entry_hash",
    ]


@hooks.register("register_admin_viewset")
def register_ledger_viewset():
    return LedgerEntryViewSet("ledger_entries")


@hooks.register("before_delete_page")
def keep_pages_that_carry_money(request, page):
    """A page with ledger entries (itself or below it) stays: money records must keep their project."""
    if LedgerEntry.objects.filter(project__path__startswith=page.path).exists():
        messages.error(request, f"“{page.title}”（或其子页面）在资金账本中有记录，不能删除；可以取消发布。")
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None
