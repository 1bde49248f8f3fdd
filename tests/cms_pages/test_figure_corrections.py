"""A published figure can be corrected only with a reason, and the correction stays public."""

import json
from decimal import Decimal

import pytest

from cms_pages.models import AnnualReportPage, FigureRecord, PublishedFigure

pytestmark = pytest.mark.django_db

# What the admin's rich-text editor posts for an empty field.
EMPTY_RICH_TEXT = json.dumps({"blocks": [], "entityMap": {}})


@pytest.fixture
def report(disclosure_index):
    page = AnnualReportPage(title="2030 年度工作报告", slug="2030", year=2030)
    page.published_figures.add(PublishedFigure(key="raised", label="年度募集资金", amount=Decimal("100.00")))
    disclosure_index.add_child(instance=page)
    page.save_revision().publish()
    return AnnualReportPage.objects.get(pk=page.pk)


def test_first_publication_is_recorded_but_is_not_a_correction(report):
    record = FigureRecord.objects.get(page=report)
    assert record.amount == Decimal("100.00") and not record.is_correction


def test_a_corrected_figure_is_logged_publicly_with_old_value_and_reason(client, report):
    figure = report.published_figures.get()
    figure.amount = Decimal("120.50")
    report.published_figures = [figure]
    report.correction_reason = "漏记一笔银行转账"
    revision = report.save_revision()
    revision.publish()

    correction = FigureRecord.objects.get(page=report, is_correction=True)
    assert (correction.old_amount, correction.amount) == (Decimal("100.00"), Decimal("120.50"))
    html = client.get(report.url).content.decode()
    assert "更正记录" in html and "漏记一笔银行转账" in html and "120.50" in html


def test_the_admin_refuses_to_change_a_published_figure_without_a_reason(report):
    form_class = report.get_edit_handler().get_form_class()
    figure = report.published_figures.get()
    data = {
        "title": report.title, "slug": report.slug, "year": "2030", "summary": "", "body-count": "0",
        "review_process": "", "work_mode": "", "shortcomings": EMPTY_RICH_TEXT, "improvements": EMPTY_RICH_TEXT,
        "correction_reason": "",
        "published_figures-TOTAL_FORMS": "1", "published_figures-INITIAL_FORMS": "1",
        "published_figures-MIN_NUM_FORMS": "0", "published_figures-MAX_NUM_FORMS": "1000",
        "published_figures-0-id": str(figure.pk), "published_figures-0-key": "raised",
        "published_figures-0-label": "年度募集资金", "published_figures-0-amount": "999.00",
        "published_figures-0-count": "", "published_figures-0-note": "", "published_figures-0-ORDER": "1",
    }
    form = form_class(data, instance=report, for_user=None)
    assert not form.is_valid()
    assert "必须填写更正原因" in str(form.errors["correction_reason"])

    data["correction_reason"] = "审计调整"
    form = form_class(data, instance=report, for_user=None)
    assert form.is_valid(), form.errors


def test_figure_records_cannot_be_rewritten(report):
    record = FigureRecord.objects.get(page=report)
    record.amount = Decimal("1.00")
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        record.delete()
