"""Signed heads pinned in annual reports: pinning at publication, and what the report page shows.

A report's ledger figures are computed at the signed tree head current when it was published,
so entries appended afterwards never move them; a later report proves with a consistency proof
that its ledger contains the earlier report's, unchanged. The content models reach this module
only through the ``report_published`` signal (connected in ``CmsPagesConfig.ready``), so that
search, which reads those models, never depends on the ledger.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from cms_pages.models import AnnualReportPage, ReportHeadPin
from ledger import selectors as ledger_selectors
from ledger.verify_log import verify_consistency


class HeadPinError(ValidationError):
    """A head that cannot be pinned: the log does not (yet) hold that size."""


def report_head_pin(*, report: AnnualReportPage, revision=None, user=None, size: int | None = None, note=""):
    """Pin the signed tree head the report's ledger figures are computed at from now on.

    Runs in the publishing transaction (see ``AnnualReportPage.save``): the head is the log's
    latest, so the page shows the figures of the entries the log held at publication, however
    many are appended later. ``size`` pins the head of that size instead (the demo loads the
    ledger after the reports). Returns the report's pin: a new row, or the current one when it
    already names this head. While the log is empty there is nothing to pin: None.
    """
    with transaction.atomic():
        page = AnnualReportPage.objects.select_for_update().get(pk=report.pk)
        if revision is not None and page.live_revision_id != revision.pk:
            return None  # scheduled for later: pinned when it goes live
        head = ledger_selectors.disclosure_head(size)
        if head is None:
            if size is not None:
                raise HeadPinError(f"日志目前只有 {ledger_selectors.log_size()} 条，没有规模为 {size} 的树头可锁定。")
            return None
        current = ReportHeadPin.objects.filter(page=page).order_by("-pk").first()
        if current is not None and (current.size, current.root_hash) == (head["size"], head["root_hash"]):
            return current
        author = user if user is not None else getattr(revision, "user", None)
        author = author if author is not None and author.is_authenticated else None
        return ReportHeadPin.objects.create(
            page=page, size=head["size"], root_hash=head["root_hash"], head_timestamp=head["timestamp"],
            origin=head["origin"], key_id=head["key_id"], signature=head["signature"],
            revision_id=getattr(revision, "pk", None), note=note[:255], pinned_by=author,
        )


def on_report_published(sender, *, report, revision, **kwargs):
    report_head_pin(report=report, revision=revision)


def report_current_pin(report):
    """The signed head the report's ledger figures are computed at (its newest pin), or None."""
    if report.pk is None:
        return None
    return ReportHeadPin.objects.filter(page_id=report.pk).order_by("-pk").first()


def report_previous_pin(report):
    """The pin of the nearest earlier report (live and public) that has one, or None."""
    earlier = (
        AnnualReportPage.objects.live().public().filter(year__lt=report.year, head_pins__isnull=False)
        .order_by("-year").values_list("pk", flat=True).first()
    )
    return ReportHeadPin.objects.filter(page_id=earlier).order_by("-pk").first() if earlier else None


def report_head_context(report):
    """The report's pinned head, its pin history, and the proof that it extends the earlier report's.

    Problems are listed, never hidden: a pin whose signature fails, a log whose root at the pinned
    size is not the pinned one (a rewritten history), or a consistency proof that does not join
    the two pinned heads.
    """
    pins = list(
        ReportHeadPin.objects.filter(page_id=report.pk).select_related("pinned_by")
        .prefetch_related("pinned_by__groups").order_by("-pk")
    ) if report.pk else []
    pin = pins[0] if pins else None
    context = {"report": report, "pin": pin, "history": pins[1:], "pin_problems": [],
               "previous": None, "consistency": None, "consistency_problems": []}
    if pin is None:
        return context
    context["pin_problems"] = ledger_selectors.pinned_head_problems(pin.head)
    previous = report_previous_pin(report)
    if previous is None:
        return context
    first, second = sorted((previous, pin), key=lambda p: (p.size, p is pin))
    proof = ledger_selectors.consistency_json(first.size, second.size)
    problems = []
    if proof is None:
        problems.append("日志目前不包含这两个规模，无法给出一致性证明。")
    else:
        if (proof["first_head"]["root_hash"], proof["second_head"]["root_hash"]) != (first.root_hash, second.root_hash):
            problems.append("日志现在给出的树头与两份报告锁定的树头不同：账本历史被改写了。")
        if not verify_consistency(first.size, second.size, [bytes.fromhex(h) for h in proof["proof"]],
                                  bytes.fromhex(first.root_hash), bytes.fromhex(second.root_hash)):
            problems.append("一致性证明不能把两份报告锁定的树头连起来：较晚的账本没有完整保留较早的账本。")
    context.update(previous=previous, consistency=proof, consistency_problems=problems,
                   first=first, second=second, previous_is_first=first is previous)
    return context


__all__ = [
    "HeadPinError", "on_report_published", "report_current_pin", "report_head_context", "report_head_pin",
    "report_previous_pin",
]
