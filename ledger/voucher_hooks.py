"""Wagtail hooks for vouchers: only finance opens them, and nobody edits, moves or deletes a sealed one.

Wagtail 8 has no before_edit_document/before_delete_document hook, so the document edit and
delete routes are answered here first (these admin URLs are registered before Wagtail's
own): a sealed voucher gets a clear message; any other document goes on to Wagtail's view.
The row-level guard in ledger.signals stops every other path (API, scripts, shell).
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.documents.views import documents, multiple

from ledger.models import VOUCHER_COLLECTION
from ledger.selectors import document_is_private, user_may_open_vouchers, voucher_is_frozen
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


@hooks.register("construct_document_chooser_queryset")
def hide_vouchers_from_non_finance_choosers(documents_queryset, request):
    """Editors choosing a document for a page never see the private vouchers."""
    if user_may_open_vouchers(user=request.user):
        return documents_queryset
    return documents_queryset.exclude(ledger_seal__isnull=False).exclude(collection__name=VOUCHER_COLLECTION, collection__depth=2)
