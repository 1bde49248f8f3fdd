"""The finance admin: list, inspect and record ledger entries; there is no edit or delete route."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList, PageChooserPanel
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from ledger import voucher_hooks  # noqa: F401  (voucher serve and document guards register on import)
from ledger.forms import LedgerEntryForm
from ledger.models import Cosignature, LedgerEntry, Witness
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


class WitnessForm(WagtailAdminModelForm):
    """Name and key are what a witness's cosignatures are checked with: fixed once registered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("name", "public_key"):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "登记后不能修改；换用新公钥请登记新的见证方并停用这一个。"


class WitnessViewSet(ModelViewSet):
    """Finance registers witnesses and deactivates them; every change lands in the record's history."""

    model = Witness
    icon = "user"
    menu_label = "见证方"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["name", "key_id", "active", "registered_at"]
    list_filter = ["active"]
    edit_handler = ObjectList([
        FieldPanel("name"), FieldPanel("public_key"), FieldPanel("description"), FieldPanel("contact"),
        FieldPanel("active"),
    ], base_form_class=WitnessForm)
    inspect_view_fields = ["name", "key_id", "public_key", "description", "contact", "active", "registered_at"]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{"delete_url_name": None, **kwargs})

    def get_urlpatterns(self):
        # A witness is deactivated, never deleted: its cosignatures keep naming it.
        return [p for p in super().get_urlpatterns() if p.name != "delete"]


class CosignatureViewSet(AppendOnlyViewSet):
    """What witnesses have co-signed, as received; nothing here can be changed."""

    model = Cosignature
    icon = "tick-inverse"
    menu_label = "见证联署"
    list_display = ["witness", "head", "cosigned_at", "received_at"]
    list_filter = ["witness"]
    inspect_view_fields = ["witness", "head", "cosigned_at", "signature", "received_at"]


class WitnessViewSetGroup(ModelViewSetGroup):
    items = (WitnessViewSet("ledger_witnesses"), CosignatureViewSet("ledger_cosignatures"))
    menu_label = "透明日志见证"
    menu_icon = "user"
    menu_order = 260


@hooks.register("register_admin_viewset")
def register_witness_viewsets():
    return WitnessViewSetGroup()


@hooks.register("before_delete_page")
def keep_pages_that_carry_money(request, page):
    """A page with ledger entries (itself or below it) stays: money records must keep their project."""
    if LedgerEntry.objects.filter(project__path__startswith=page.path).exists():
        messages.error(request, f"“{page.title}”（或其子页面）在资金账本中有记录，不能删除；可以取消发布。")
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None
