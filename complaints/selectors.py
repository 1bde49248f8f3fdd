"""Reads: the public counts, the office's overdue list, a complaint by its reference."""

import re

from django.apps import apps
from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from complaints.models import Complaint

REFERENCE_RE = re.compile(r"JY[0-9]{8}[A-Z2-9]{6}")


def complaint_counts(*, page_id: int | None = None) -> dict:
    """received, answered, answered_on_time and overdue (unanswered past the due day), in one query."""
    today = timezone.localdate()
    complaints = Complaint.objects.all() if page_id is None else Complaint.objects.filter(page_id=page_id)
    return complaints.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        # Local date of the answer (current time zone) against the due day.
        answered_on_time=Count("pk", filter=Q(answered_at__isnull=False, answered_at__date__lte=F("due_on"))),
        overdue=Count("pk", filter=Q(answered_at__isnull=True, due_on__lt=today)),
    )


def complaints_overdue(*, today=None):
    """Unanswered complaints past their due day, oldest due first."""
    today = today or timezone.localdate()
    return Complaint.objects.filter(answered_at__isnull=True, due_on__lt=today).order_by("due_on", "received_at")


def complaints_due_soon(*, today=None):
    """Unanswered complaints still within their five working days, soonest due first."""
    today = today or timezone.localdate()
    return Complaint.objects.filter(answered_at__isnull=True, due_on__gte=today).order_by("due_on", "received_at")


def complaint_by_reference(reference: str):
    if not isinstance(reference, str) or not REFERENCE_RE.fullmatch(reference):
        return None
    return Complaint.objects.filter(reference=reference).first()


def complaint_page_models():
    """The page models that carry the form (settings.COMPLAINT_PAGE_MODELS), resolved by label."""
    found = []
    for label in settings.COMPLAINT_PAGE_MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def complaint_page(page_id: int):
    """The live, public page of a complaint-carrying type with this id, or None."""
    from wagtail.models import Page

    page = Page.objects.live().public().filter(pk=page_id).first()
    if page is None:
        return None
    page = page.specific
    return page if any(isinstance(page, model) for model in complaint_page_models()) else None
