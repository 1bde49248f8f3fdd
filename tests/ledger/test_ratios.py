"""The yearly ratios of Charity Law Art 61: computed where the ledger allows, else said why not."""

from datetime import date
from decimal import Decimal

import pytest

from ledger import selectors
from ledger.models import EntryKind, EntrySource

pytestmark = pytest.mark.django_db


def ratios(year, **kwargs):
    return {row["name"]: row for row in selectors.year_ratios(year=year, **kwargs)}


def donate(post, amount, year, ref):
    return post(EntryKind.DONATION, amount, occurred_on=date(year, 3, 1), source=EntrySource.DONATION, source_ref=ref)


@pytest.fixture
def three_years(post):
    """Income 1000 (2018), 2000 (2019), 3000 less a 100 refund (2020); 2021 pays out 2100."""
    donate(post, "1000.00", 2018, "A")
    donate(post, "2000.00", 2019, "B")
    donate(post, "3000.00", 2020, "C")
    post(EntryKind.REFUND, "100.00", occurred_on=date(2020, 5, 1), source=EntrySource.REFUND, source_ref="R")
    post(EntryKind.GRANT_APPROVAL, "5000.00", occurred_on=date(2021, 1, 1))
    post(EntryKind.DISBURSEMENT, "2100.00", occurred_on=date(2021, 6, 1))


def test_spending_against_previous_year_income_is_computed_and_meets_70_percent(three_years):
    row = ratios(2021)["spending_to_prior_income"]
    assert row["computable"] and row["numerator"] == Decimal("2100.00") and row["denominator"] == Decimal("2900.00")
    assert row["percent"] == Decimal("72.41") and row["meets"] is True
    assert (row["comparison"], row["threshold"]) == (">=", Decimal("70"))


def test_three_year_average_variant(three_years):
    row = ratios(2021)["spending_to_three_year_income"]
    assert row["denominator"] == Decimal("1966.67") and row["percent"] == Decimal("106.78") and row["meets"]


def test_spending_of_exactly_seventy_percent_meets_and_just_below_does_not(post):
    donate(post, "10000.00", 2020, "A")
    post(EntryKind.GRANT_APPROVAL, "10000.00", occurred_on=date(2021, 1, 1))
    post(EntryKind.DISBURSEMENT, "6998.00", occurred_on=date(2021, 6, 1))
    row = ratios(2021)["spending_to_prior_income"]
    assert row["percent"] == Decimal("69.98") and row["meets"] is False
    post(EntryKind.DISBURSEMENT, "2.00", occurred_on=date(2021, 6, 2))
    row = ratios(2021)["spending_to_prior_income"]
    assert row["percent"] == Decimal("70.00") and row["meets"] is True


def test_a_previous_year_without_records_is_not_computable_and_says_why(post):
    donate(post, "1000.00", 2019, "A")
    post(EntryKind.GRANT_APPROVAL, "500.00", occurred_on=date(2021, 1, 1))
    post(EntryKind.DISBURSEMENT, "500.00", occurred_on=date(2021, 6, 1))
    result = ratios(2021)
    assert not result["spending_to_prior_income"]["computable"]
    assert "2020 年" in result["spending_to_prior_income"]["reason"]
    assert not result["spending_to_three_year_income"]["computable"]
    assert "2018、2020" in result["spending_to_three_year_income"]["reason"]


def test_spending_published_only_over_several_years_is_not_computable(three_years):
    result = ratios(2021, published_keys=["raised", "project-spending-2020-2021"])
    assert not result["spending_to_prior_income"]["computable"]
    assert "2020—2021" in result["spending_to_prior_income"]["reason"]
    # A published range that does not span the year leaves it computable.
    assert ratios(2021, published_keys=["project-spending-2021-2021"])["spending_to_prior_income"]["computable"]


def test_every_reason_is_given(post):
    post(EntryKind.GRANT_APPROVAL, "500.00", occurred_on=date(2021, 1, 1))
    post(EntryKind.DISBURSEMENT, "500.00", occurred_on=date(2021, 6, 1))
    reason = ratios(2021, published_keys=["project-spending-2020-2021"])["spending_to_prior_income"]["reason"]
    assert "2020—2021" in reason and "账本中没有 2020 年的记录" in reason


def test_zero_previous_income_is_not_computable(post):
    post(EntryKind.GRANT_APPROVAL, "500.00", occurred_on=date(2020, 1, 1))
    post(EntryKind.DISBURSEMENT, "500.00", occurred_on=date(2021, 6, 1))
    row = ratios(2021)["spending_to_prior_income"]
    assert not row["computable"] and "为零" in row["reason"]


def test_management_cost_ratio_is_never_computable_from_the_ledger(three_years):
    row = ratios(2021)["management_to_spending"]
    assert not row["computable"] and row["percent"] is None and "管理费用" in row["reason"]
    assert (row["comparison"], row["threshold"]) == ("<=", Decimal("10"))


def test_ratios_count_only_the_pinned_head(three_years, post):
    # The log's first 6 entries are the fixture's; a later disbursement does not move the pinned ratio.
    post(EntryKind.DISBURSEMENT, "900.00", occurred_on=date(2021, 7, 1))
    assert ratios(2021, log_size=6)["spending_to_prior_income"]["percent"] == Decimal("72.41")
    assert ratios(2021)["spending_to_prior_income"]["percent"] == Decimal("103.45")
