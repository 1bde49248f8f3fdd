"""State changes for content: recording published figures when a report is published."""

from cms_pages.models import AnnualReportPage, FigureRecord
from cms_pages.selectors import figure_latest_values


def report_figures_record(*, report: AnnualReportPage):
    """Append a record for every published figure that is new or changed since the last publish.

    A changed figure is a correction: it keeps the old value and the editor's reason, and is
    listed publicly on the report page.
    """
    latest = figure_latest_values(report)
    created = []
    for figure in report.published_figures.all():
        value = (figure.amount, figure.count)
        previous = latest.get(figure.key)
        if previous == value:
            continue
        created.append(FigureRecord.objects.create(
            page=report, key=figure.key, label=figure.label, amount=figure.amount, count=figure.count,
            is_correction=previous is not None,
            old_amount=previous[0] if previous else None, old_count=previous[1] if previous else None,
            reason=report.correction_reason if previous is not None else "",
        ))
    return created
