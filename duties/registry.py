"""Where subjects come from: each app that owns campaigns or projects registers a provider.

``cms_pages`` registers projects and the fund, ``donations`` registers campaigns, in their
``AppConfig.ready``; this app imports neither, so imports stay one way.
A provider is a callable taking no argument and returning an iterable of ``Subject``.
"""

from django.utils import timezone

from duties.rules import NEAR_DAYS, DutyStatus, subject_duties

__all__ = [
    "drafter_for", "duty_board", "register_drafter", "register_subjects", "registered_providers", "subjects_all",
]

_providers = {}
# (subject kind, duty kind) -> callable(subject_pk, user) returning the draft page it created or found.
_drafters = {}


def register_drafter(subject_kind: str, duty_kind: str, drafter) -> None:
    """Register how a draft disclosure meeting ``duty_kind`` is generated for a subject of ``subject_kind``."""
    _drafters[(subject_kind, duty_kind)] = drafter


def drafter_for(subject_kind: str, duty_kind: str):
    """The registered drafter, or None when that disclosure is not generated (it is written by hand)."""
    return _drafters.get((subject_kind, duty_kind))


def register_subjects(name: str, provider) -> None:
    """Register (or replace) the provider called ``name``."""
    _providers[name] = provider


def registered_providers() -> dict:
    return dict(_providers)


def subjects_all():
    for provider in _providers.values():
        yield from provider()


def duty_board(*, today=None, near_days: int = NEAR_DAYS) -> dict:
    """Every open duty (overdue, then near-due), most urgent first, across all registered subjects."""
    today = today or timezone.localdate()
    overdue, near = [], []
    for subject in subjects_all():
        for duty in subject_duties(subject, today=today, near_days=near_days):
            if duty.status == DutyStatus.OVERDUE:
                overdue.append(duty)
            elif duty.status == DutyStatus.NEAR:
                near.append(duty)
    key = lambda d: (d.due_on, d.subject.title)  # noqa: E731
    return {"overdue": sorted(overdue, key=key), "near": sorted(near, key=key), "today": today}
