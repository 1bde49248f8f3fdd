"""Wagtail hooks for vouchers: only finance opens them, and nobody edits, moves or deletes a sealed one.

Wagtail 8 has no before_edit_document/before_delete_document hook, so the document edit and
delete routes are answered here first (these admin URLs are registered before Wagtail's
own): a sealed voucher gets a clear message; any other document goes on to Wagtail's view.
The row-level guard in ledger.signals stops every other path (API, scripts, shell).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.actions.delete import DeleteAction
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.documents import get_document_model
from wagtail.documents.views import documents, multiple

from ledger.models import VOUCHER_COLLECTION, VoucherFrozenError, VoucherSeal
from ledger.selectors import document_is_private, user_may_open_vouchers, voucher_is_frozen
from ledger.services import voucher_public_copy_set
from ledger.signals import FROZEN_MESSAGE

PRIVATE_MESSAGE = "此文件是资金账本的凭证，仅财务人员可查看；公众可在账本中核对它的 SHA-256。"


@hooks.register("before_serve_document")
def serve_vouchers_to_finance_only(document, request):
    """Answer 403 with no file bytes unless the user is finance staff (runs before Wagtail's own check)."""
    if document_is_private(document=document) and not user_may_open_vouchers(user=request.user):
        response = HttpResponse(PRIVATE_MESSAGE, status=403, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        return response
    return None


def _guarded(view, id_kwarg):
    """Wagtail's view, unless the document is a sealed voucher: then a message and back to the list."""

    def guarded(request, *args, **kwargs):
        if voucher_is_frozen(document_id=kwargs[id_kwarg]):
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                return HttpResponse(FROZEN_MESSAGE, status=403, content_type="text/plain; charset=utf-8")
            messages.error(request, FROZEN_MESSAGE)
            return redirect("wagtaildocs:index")
        return view(request, *args, **kwargs)

    return guarded


@hooks.register("register_admin_urls")
def guard_sealed_voucher_routes():
    return [
        path("documents/edit/<int:document_id>/", _guarded(documents.EditView.as_view(), "document_id")),
        path("documents/delete/<int:document_id>/", _guarded(documents.DeleteView.as_view(), "document_id")),
        path("documents/multiple/<int:doc_id>/", _guarded(multiple.EditView.as_view(), "doc_id")),
        path("documents/multiple/<int:doc_id>/delete/", _guarded(multiple.DeleteView.as_view(), "doc_id")),
    ]


@hooks.register("before_bulk_action")
def refuse_bulk_changes_to_sealed_vouchers(request, action_type, objects, action_class_instance):
    """Bulk delete and bulk move (a queryset update, past the row guard) skip no sealed voucher."""
    if action_type not in {"delete", "add_to_collection"}:
        return None
    if not objects or not isinstance(objects[0], get_document_model()):
        return None
    if any(voucher_is_frozen(document_id=document.pk) for document in objects):
        messages.error(request, FROZEN_MESSAGE)
        return redirect("wagtaildocs:index")
    return None


class SealedVoucherDeleteAction(DeleteAction):
    """Deleting a document refuses a sealed voucher with the clear message, before any protected-key error."""

    def execute(self, skip_permission_checks=False):
        if voucher_is_frozen(document_id=self.instance.pk):
            raise VoucherFrozenError(FROZEN_MESSAGE)
        return super().execute(skip_permission_checks=skip_permission_checks)


@hooks.register("register_actions")
def register_sealed_voucher_actions(registry):
    registry.register(get_document_model(), SealedVoucherDeleteAction)


@hooks.register("construct_document_chooser_queryset")
def hide_vouchers_from_non_finance_choosers(documents_queryset, request):
    """Editors choosing a document for a page never see the private vouchers."""
    if user_may_open_vouchers(user=request.user):
        return documents_queryset
    return documents_queryset.exclude(ledger_seal__isnull=False).exclude(collection__name=VOUCHER_COLLECTION, collection__depth=2)


class PublicCopyEditView(generic.EditView):
    """Finance sets or clears a sealed voucher's redacted public copy, through the service."""

    permission_required = "publish"

    def save_instance(self):
        return voucher_public_copy_set(
            voucher=self.object.document, public_copy=self.form.cleaned_data.get("public_copy"), user=self.request.user,
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class VoucherSealIndexView(generic.IndexView):
    """Each sealed voucher links to its public-copy form for those who may publish one."""

    def get_edit_url(self, instance):
        if self.edit_url_name and self.user_has_permission("publish"):
            return reverse(self.edit_url_name, args=(instance.pk,))
        return None


class VoucherSealViewSet(ModelViewSet):
    """Sealed vouchers for finance: their SHA-256, and the one thing that may change, the public copy."""

    model = VoucherSeal
    index_view_class = VoucherSealIndexView
    edit_view_class = PublicCopyEditView
    icon = "doc-full-inverse"
    menu_label = "封存凭证"
    add_to_admin_menu = True
    menu_order = 251
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["document", "sha256", "sealed_at", "public_copy"]
    form_fields = ["public_copy"]
    inspect_view_fields = ["document", "sha256", "sealed_at", "public_copy", "public_copy_by"]

    def get_urlpatterns(self):
        removed = {"add", "delete", "copy"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name not in removed]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{"add_url_name": None, "delete_url_name": None, **kwargs})


@hooks.register("register_admin_viewset")
def register_voucher_seal_viewset():
    return VoucherSealViewSet("ledger_voucher_seals")
