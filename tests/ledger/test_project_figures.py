"""What a project's fund-flow block says when the ledger has, or has not, figures under its name."""

from datetime import date

import pytest
from django.template import Context, Template

from ledger.models import EntryKind, EntrySource

pytestmark = pytest.mark.django_db


def render(page):
    return Template("{% load ledger_tags %}{% project_fund_flow page %}").render(Context({"page": page}))


def test_own_entries_show_approved_paid_and_owed(project, post):
    post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=project.pk)
    post(EntryKind.DISBURSEMENT, "400.00", project_id=project.pk)
    html = render(project)
    assert "1,000.00</strong>批准资助" in html and "600.00</strong>应付未付" in html
    assert "未公布" not in html


def test_no_entries_and_no_report_aggregates_says_nothing_is_recorded(project):
    html = render(project)
    assert "账本中尚无本项目的资金记录" in html and "0.00" not in html and "年度报告未公布" not in html


def test_no_entries_under_report_aggregates_says_the_report_did_not_publish_it(project, post):
    project.cohort_year = 2019
    project.save()
    post(EntryKind.GRANT_APPROVAL, "500.00", occurred_on=date(2019, 12, 31), category_label="关爱老人",
         source=EntrySource.ANNUAL_REPORT, source_ref="agg-approved", memo="《报告》汇总")
    post(EntryKind.DISBURSEMENT, "500.00", occurred_on=date(2019, 12, 31), category_label="关爱老人",
         source=EntrySource.ANNUAL_REPORT, source_ref="agg-spent", memo="《报告》投入")
    html = render(project)
    assert "年度报告未公布该项目的分项金额" in html and "0.00</strong>" not in html
    assert "（关爱老人）合计：2019 年批准 500.00 元" in html and "2019 年投入（已支出） 500.00 元" in html


def test_aggregates_older_than_the_project_do_not_cover_it(project, post):
    project.cohort_year = 2024
    project.save()
    post(EntryKind.GRANT_APPROVAL, "500.00", occurred_on=date(2019, 12, 31),
         source=EntrySource.ANNUAL_REPORT, source_ref="agg", memo="《报告》汇总")
    assert "账本中尚无本项目的资金记录" in render(project)


def test_report_stated_owed_amount_only_shows_totals_as_unpublished(project, post):
    post(EntryKind.GRANT_APPROVAL, "52116.00", project_id=project.pk, source=EntrySource.ANNUAL_REPORT,
         source_ref="owed", memo="《报告》载明已立项未支付")
    html = render(project)
    assert html.count("报告未公布</strong>") == 2 and "52,116.00</strong>报告载明的已立项未支付" in html
