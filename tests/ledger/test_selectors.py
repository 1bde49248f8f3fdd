"""Fund-flow figures: computed by the database, per project, year, category and channel."""

from datetime import date
from decimal import Decimal

import pytest

from ledger import selectors
from ledger.models import EntryKind, EntrySource

pytestmark = pytest.mark.django_db


@pytest.fixture
def flows(post, make_project):
    elderly = make_project("老人项目", category=("关爱老人", "elderly"))
    children = make_project("儿童项目", category=("关爱儿童", "children"))
    post(EntryKind.DONATION, "1000.00", occurred_on=date(2020, 5, 1), source=EntrySource.DONATION, source_ref="A")
    post(EntryKind.DONATION, "500.50", occurred_on=date(2021, 5, 1), source=EntrySource.DONATION, source_ref="B")
    post(EntryKind.REFUND, "100.00", occurred_on=date(2021, 6, 1), source=EntrySource.REFUND, source_ref="R1")
    post(EntryKind.FEE, "3.00", occurred_on=date(2021, 6, 1))
    post(EntryKind.GRANT_APPROVAL, "800.00", occurred_on=date(2020, 6, 1), project_id=elderly.id)
    post(EntryKind.GRANT_APPROVAL, "300.00", occurred_on=date(2021, 6, 1), project_id=children.id)
    wrong = post(EntryKind.DISBURSEMENT, "250.00", occurred_on=date(2020, 7, 1), project_id=elderly.id)
    post(EntryKind.CORRECTION, "250.00", occurred_on=date(2020, 7, 2), reverses=wrong, memo="金额录错")
    post(EntryKind.DISBURSEMENT, "200.00", occurred_on=date(2020, 7, 2), project_id=elderly.id)
    post(EntryKind.DISBURSEMENT, "100.25", occurred_on=date(2021, 8, 1), project_id=elderly.id)
    post(EntryKind.GRANT_APPROVAL, "50.00", occurred_on=date(2021, 9, 1), category_label="文化宣传", memo="汇总")
    return {"elderly": elderly, "children": children}


def test_fund_totals(flows):
    totals = selectors.fund_totals()
    assert totals == {
        "raised": Decimal("1500.50"), "approved": Decimal("1150.00"), "disbursed": Decimal("300.25"),
        "refunded": Decimal("100.00"), "fees": Decimal("3.00"), "payable": Decimal("849.75"),
    }


def test_project_totals_count_reversals_negatively(flows):
    totals = selectors.project_totals(project_id=flows["elderly"].id)
    assert (totals["approved"], totals["disbursed"], totals["payable"]) == (
        Decimal("800.00"), Decimal("300.25"), Decimal("499.75"),
    )


def test_flow_by_year_gives_flows_and_year_end_payable(flows):
    rows = {row["year"]: row for row in selectors.flow_by_year()}
    assert (rows[2020]["raised"], rows[2020]["approved"], rows[2020]["disbursed"]) == (
        Decimal("1000.00"), Decimal("800.00"), Decimal("200.00"),
    )
    assert rows[2020]["payable"] == Decimal("600.00")
    assert rows[2021]["payable"] == Decimal("849.75")
    assert rows[2021]["refunded"] == Decimal("100.00")


def test_flow_by_category_uses_the_project_category_or_the_aggregate_label(flows):
    rows = {row["category"]: row for row in selectors.flow_by_category()}
    assert set(rows) == {"关爱老人", "关爱儿童", "文化宣传"}
    assert rows["关爱老人"]["payable"] == Decimal("499.75")
    assert rows["文化宣传"]["approved"] == Decimal("50.00")


def test_flow_by_category_runs_in_one_query(flows, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.flow_by_category()


def test_flow_by_year_runs_in_one_query(flows, django_assert_num_queries):
    # One statement, so the flows and the payable balances come from one snapshot.
    with django_assert_num_queries(1):
        selectors.flow_by_year()


def test_income_by_channel(flows):
    assert selectors.income_by_channel() == [{"channel": "donation", "amount": Decimal("1500.50"), "entries": 2}]


def test_computed_figures_map_published_keys(flows):
    figures = selectors.computed_figures(
        year=2021,
        keys=["raised", "approved-amount", "disbursed", "payable-unpaid", "project-spending-2020-2021",
              "invested-children", "projects-approved"],
    )
    assert figures == {
        "raised": Decimal("500.50"), "approved-amount": Decimal("350.00"), "disbursed": Decimal("100.25"),
        "payable-unpaid": Decimal("849.75"), "project-spending-2020-2021": Decimal("300.25"),
        "invested-children": Decimal("300.00"),
    }


def test_empty_ledger_gives_zeros():
    assert selectors.fund_totals()["payable"] == Decimal("0.00")
    assert selectors.flow_by_year() == []
    assert selectors.chain_verify() == {"checked": 0, "head": "0" * 64, "head_id": 0, "problems": []}
