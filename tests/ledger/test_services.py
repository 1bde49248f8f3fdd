"""entry_record: what it accepts, what it refuses, and that refusals change nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from ledger.hashing import GENESIS_HASH
from ledger.models import ChainHead, EntryKind, EntrySource, LedgerEntry
from ledger.selectors import project_totals, source_total
from ledger.services import entry_record

pytestmark = pytest.mark.django_db


def _snapshot():
    head = ChainHead.objects.filter(pk=1).values("last_id", "last_hash").first()
    return list(LedgerEntry.objects.values_list("id", "entry_hash")), head


def test_first_entry_links_to_genesis_and_next_links_to_it(post):
    first = post(EntryKind.DONATION, "100.00")
    second = post(EntryKind.DONATION, "0.01")
    assert (first.id, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.id, second.prev_hash) == (2, first.entry_hash)
    assert ChainHead.objects.get(pk=1).last_hash == second.entry_hash


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "金额必须大于零"),
        (Decimal("0.00"), "金额必须大于零"),
        (Decimal("-5.00"), "金额必须大于零"),
        (Decimal("1.005"), "最多两位小数"),
        (Decimal("NaN"), "有限的数字"),
        (Decimal("1000000000000.00"), "超出上限"),
        (12.5, "浮点数"),
        ("12.50", "必须是 Decimal"),
    ],
)
def test_bad_amount_is_refused_with_a_clear_message_and_nothing_changes(post, amount, message):
    post(EntryKind.DONATION, "1.00")
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        entry_record(kind=EntryKind.DONATION, amount=amount, occurred_on=date(2021, 1, 1), memo="x")
    assert message in caught.value.message_dict["amount"][0]
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"kind": "gift"}, "kind", "未知的记录类型"),
        ({"memo": "  "}, "memo", "请填写摘要"),
        ({"occurred_on": "2021-01-01"}, "occurred_on", "必须是日期"),
        ({"project_id": 999999}, "project", "不是项目页面"),
        ({"kind": EntryKind.CORRECTION}, "reverses", "必须指明"),
    ],
)
def test_bad_fields_are_refused_and_nothing_changes(kwargs, field, message):
    arguments = {"kind": EntryKind.DONATION, "amount": Decimal("5.00"), "occurred_on": date(2021, 1, 1), "memo": "x"}
    arguments.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        entry_record(**arguments)
    assert message in caught.value.message_dict[field][0]
    assert LedgerEntry.objects.count() == 0


def test_a_page_that_is_not_a_project_is_refused(post, home):
    with pytest.raises(ValidationError, match="不是项目页面"):
        post(EntryKind.GRANT_APPROVAL, "10.00", project_id=home.id)


def test_same_source_ref_records_once(post):
    first = post(EntryKind.DONATION, "50.00", source=EntrySource.DONATION, source_ref="D2021001")
    again = post(EntryKind.DONATION, "50.00", source=EntrySource.DONATION, source_ref="D2021001")
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 1


def test_same_source_ref_with_another_amount_is_a_conflict(post):
    post(EntryKind.DONATION, "50.00", source=EntrySource.DONATION, source_ref="D2021001")
    with pytest.raises(ValidationError, match="已登记为 50.00 元"):
        post(EntryKind.DONATION, "60.00", source=EntrySource.DONATION, source_ref="D2021001")
    assert LedgerEntry.objects.count() == 1


def test_entry_rolls_back_with_the_callers_transaction(post):
    with pytest.raises(RuntimeError), transaction.atomic():
        post(EntryKind.DONATION, "50.00", source=EntrySource.DONATION, source_ref="D1")
        raise RuntimeError("later step failed")
    assert LedgerEntry.objects.count() == 0
    entry = post(EntryKind.DONATION, "50.00", source=EntrySource.DONATION, source_ref="D1")
    assert (entry.id, entry.prev_hash) == (1, GENESIS_HASH)


def test_disbursement_beyond_the_approval_is_refused(post, project):
    post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=project.id)
    post(EntryKind.DISBURSEMENT, "600.00", project_id=project.id)
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        post(EntryKind.DISBURSEMENT, "400.01", project_id=project.id)
    assert "超过" in caught.value.message_dict["amount"][0] and "400.00" in caught.value.message_dict["amount"][0]
    assert _snapshot() == before
    post(EntryKind.DISBURSEMENT, "400.00", project_id=project.id)
    assert project_totals(project_id=project.id)["payable"] == Decimal("0.00")


def test_disbursement_without_any_approval_is_refused(post, project):
    with pytest.raises(ValidationError, match="超过"):
        post(EntryKind.DISBURSEMENT, "1.00", project_id=project.id)


def test_correction_reverses_the_named_entry(post, project):
    approval = post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=project.id)
    correction = post(EntryKind.CORRECTION, "1000.00", reverses=approval, memo="金额录错，应为 100.00")
    assert correction.project_id == project.id
    assert project_totals(project_id=project.id)["approved"] == Decimal("0.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("999.00", "必须等于原记录金额"), ("1000.00", None)],
)
def test_correction_must_match_the_original_amount(post, project, amount, message):
    approval = post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=project.id)
    if message:
        with pytest.raises(ValidationError, match=message):
            post(EntryKind.CORRECTION, amount, reverses=approval)
    else:
        post(EntryKind.CORRECTION, amount, reverses=approval)
        with pytest.raises(ValidationError, match="已被冲销过"):
            post(EntryKind.CORRECTION, amount, reverses=approval)


def test_reversing_an_approval_already_paid_out_is_refused(post, project):
    approval = post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=project.id)
    post(EntryKind.DISBURSEMENT, "10.00", project_id=project.id)
    with pytest.raises(ValidationError, match="冲销批准"):
        post(EntryKind.CORRECTION, "1000.00", reverses=approval)


def test_a_correction_cannot_be_reversed(post):
    donation = post(EntryKind.DONATION, "5.00")
    correction = post(EntryKind.CORRECTION, "5.00", reverses=donation)
    with pytest.raises(ValidationError, match="不能再被冲销"):
        post(EntryKind.CORRECTION, "5.00", reverses=correction)


def test_source_total_sums_in_the_database_net_of_reversals(post):
    post(EntryKind.DONATION, "10.00", source=EntrySource.DONATION, source_ref="A")
    wrong = post(EntryKind.DONATION, "20.00", source=EntrySource.DONATION, source_ref="B")
    post(EntryKind.DONATION, "40.00", source=EntrySource.DONATION, source_ref="C")
    post(EntryKind.CORRECTION, "20.00", reverses=wrong)
    assert source_total(kind=EntryKind.DONATION, source=EntrySource.DONATION, source_refs=["A", "B"]) == Decimal("10.00")
    assert source_total(kind=EntryKind.DONATION, source=EntrySource.DONATION, source_refs=[]) == Decimal("0.00")


def test_source_total_accepts_a_queryset_of_refs(post):
    post(EntryKind.DONATION, "10.00", source=EntrySource.DONATION, source_ref="A")
    post(EntryKind.DONATION, "20.00", source=EntrySource.DONATION, source_ref="B")
    post(EntryKind.REFUND, "5.00", source=EntrySource.REFUND, source_ref="A")
    refs = LedgerEntry.objects.filter(kind=EntryKind.DONATION, source_ref__in=["A", "B"]).values("source_ref")
    assert source_total(kind=EntryKind.DONATION, source=EntrySource.DONATION, source_refs=refs) == Decimal("30.00")
    assert source_total(kind=EntryKind.REFUND, source=EntrySource.REFUND, source_refs=["A"]) == Decimal("5.00")
