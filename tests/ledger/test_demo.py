"""The demo ledger reproduces every money figure the 2019 and 2021 reports publish, to the fen."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.template import Context, Template

from cms_pages.models import AnnualReportPage, ProjectPage
from ledger.models import EntryKind, EntrySource, LedgerEntry
from ledger.selectors import (
    chain_verify,
    computed_figures,
    flow_by_category,
    fund_totals,
    gift_spending,
    project_totals,
)

pytestmark = pytest.mark.django_db

PUBLISHED = {
    2019: {"raised": "6500200.00", "approved-amount": "2773229.00", "disbursed": "1377184.90",
           "invested-elderly": "96766.00", "invested-children": "113746.00"},
    2021: {"raised": "1191516.30", "project-spending-2020-2021": "2391193.17", "payable-unpaid": "771886.20"},
}


def test_computed_figures_equal_the_published_ones_to_the_fen(demo_site):
    for year, expected in PUBLISHED.items():
        page = AnnualReportPage.objects.get(year=year)
        money = {f.key: f.amount for f in page.published_figures.all() if f.amount is not None}
        assert money == {key: Decimal(value) for key, value in expected.items()}
        assert computed_figures(year=year, keys=list(money)) == money


def test_qingxu_platform_shows_what_is_still_owed(demo_site):
    qingxu = ProjectPage.objects.get(title="清徐新时代文明实践平台")
    assert project_totals(project_id=qingxu.pk)["payable"] == Decimal("52116.00")


def test_every_demo_entry_names_its_source_and_loading_again_changes_nothing(demo_site):
    entries = list(LedgerEntry.objects.values_list("id", "entry_hash", "memo"))
    assert entries and all("《" in memo and "》" in memo for _, _, memo in entries)
    call_command("load_demo", stdout=StringIO())
    assert list(LedgerEntry.objects.values_list("id", "entry_hash", "memo")) == entries
    assert chain_verify()["problems"] == []


@pytest.mark.parametrize("year", [2019, 2021])
def test_report_figures_block_shows_no_difference(demo_site, year):
    page = AnnualReportPage.objects.get(year=year)
    html = Template("{% load ledger_tags %}{% annual_report_figures page %}").render(Context({"page": page}))
    assert "ledger-match" in html
    assert "ledger-diff" not in html and "不一致" not in html


def test_every_source_the_demo_stores_is_a_choice(demo_site):
    assert set(LedgerEntry.objects.values_list("source", flat=True)) == {EntrySource.ANNUAL_REPORT}


def test_the_demo_reports_gifts_pay_the_reports_disbursements(demo_site):
    raised_2019 = gift_spending(source=EntrySource.ANNUAL_REPORT, source_ref="2019-raised")
    # 2019's disbursements are the two category sums spent and the rest of the year's total.
    assert [row["amount"] for row in raised_2019["allocations"]] == ["96766.00", "113746.00", "1166672.90", "2391193.17"]
    assert Decimal(raised_2019["unspent"]) == Decimal("6500200.00") - Decimal("3768378.07")
    raised_2021 = gift_spending(source=EntrySource.ANNUAL_REPORT, source_ref="2021-raised")
    assert raised_2021["allocations"] == [] and raised_2021["unspent"] == "1191516.30"


@pytest.mark.parametrize("category,amount", [("关爱老人", "96766.00"), ("关爱儿童", "113746.00")])
def test_2019_category_sums_are_recorded_as_spent_not_owed(demo_site, category, amount):
    rows = {row["category"]: row for row in flow_by_category(start=date(2019, 1, 1), end=date(2019, 12, 31))}
    assert (rows[category]["approved"], rows[category]["disbursed"], rows[category]["payable"]) == (
        Decimal(amount), Decimal(amount), Decimal("0.00"),
    )
    spent = LedgerEntry.objects.get(kind=EntryKind.DISBURSEMENT, category_label=category)
    assert spent.amount == Decimal(amount) and "投入" in spent.memo


def test_2019_year_totals_still_match_the_report_after_the_category_sums_are_spent(demo_site):
    totals = fund_totals(start=date(2019, 1, 1), end=date(2019, 12, 31))
    assert (totals["approved"], totals["disbursed"], totals["payable"]) == (
        Decimal("2773229.00"), Decimal("1377184.90"), Decimal("1396044.10"),
    )
    assert fund_totals()["payable"] == Decimal("771886.20")
