"""The gift-flow rule on hand-built ledgers: plain records, no database."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.gift_flow import flow_pools, gift_flow, gift_result, refund_order_ref

P, Q = 7, 8  # two project page ids


class Ledger:
    """Builds records shaped like the JSON download's, ids 1, 2, 3 … in order."""

    def __init__(self):
        self.records = []

    def add(self, kind, amount, *, project=None, label="", ref="", memo="", reverses=None, day="2021-01-01"):
        entry_id = len(self.records) + 1
        self.records.append({
            "id": entry_id, "kind": kind, "amount": amount, "project_id": project, "category_label": label,
            "source": "donation" if kind == "donation" and ref else "", "source_ref": ref,
            "memo": memo or "测试", "reverses_id": reverses, "occurred_on": day,
        })
        return entry_id

    def gift(self, amount, project=None, ref="", **kwargs):
        return self.add("donation", amount, project=project, ref=ref or f"O{len(self.records) + 1}", **kwargs)

    def pay(self, amount, project=None, **kwargs):
        return self.add("disbursement", amount, project=project, **kwargs)

    def refund(self, amount, order, project=None):
        return self.add("refund", amount, project=project, memo=f"退还捐赠：订单 {order}，捐赠人申请")

    def reverse(self, entry_id):
        original = self.records[entry_id - 1]
        return self.add("correction", original["amount"], project=original["project_id"],
                        label=original["category_label"], reverses=entry_id)

    def flow(self, gift_id):
        return gift_flow(self.records, gift_id)


def _spent(result):
    return [(row["disbursement_id"], row["project_id"], row["amount"]) for row in result["allocations"]]


def test_a_project_disbursement_takes_the_oldest_gifts_first_and_splits_a_gift_across_disbursements():
    ledger = Ledger()
    first, second, third = ledger.gift("100.00", P), ledger.gift("50.00", P), ledger.gift("30.00", P)
    pay_a, pay_b = ledger.pay("120.00", P), ledger.pay("40.00", P)

    assert _spent(ledger.flow(first)) == [(pay_a, P, "100.00")]
    assert _spent(ledger.flow(second)) == [(pay_a, P, "20.00"), (pay_b, P, "30.00")]
    assert _spent(ledger.flow(third)) == [(pay_b, P, "10.00")]
    assert ledger.flow(third)["unspent"] == "20.00"
    assert ledger.flow(second)["unspent"] == "0.00"


def test_a_disbursement_uses_only_gifts_recorded_before_it():
    ledger = Ledger()
    early = ledger.gift("10.00", P)
    pay = ledger.pay("25.00", P)
    late = ledger.gift("50.00", P)
    assert _spent(ledger.flow(early)) == [(pay, P, "10.00")]
    assert ledger.flow(late)["allocations"] == [] and ledger.flow(late)["unspent"] == "50.00"


def test_what_a_project_cannot_cover_overflows_into_the_unrestricted_pool_fifo():
    ledger = Ledger()
    fund_old, fund_new = ledger.gift("30.00"), ledger.gift("30.00")
    own = ledger.gift("20.00", P)
    other = ledger.gift("500.00", Q)  # another project's gift is never used for P
    pay = ledger.pay("70.00", P)

    assert _spent(ledger.flow(own)) == [(pay, P, "20.00")]
    assert _spent(ledger.flow(fund_old)) == [(pay, P, "30.00")]
    assert _spent(ledger.flow(fund_new)) == [(pay, P, "20.00")] and ledger.flow(fund_new)["unspent"] == "10.00"
    assert ledger.flow(other)["allocations"] == []
    assert ledger.flow(fund_old)["allocations"][0]["via"] == "unrestricted"
    assert ledger.flow(own)["allocations"][0]["via"] == "restricted"


def test_a_fund_level_disbursement_draws_the_unrestricted_pool_and_leaves_the_rest_uncovered():
    ledger = Ledger()
    gift = ledger.gift("40.00")
    ledger.gift("99.00", P)
    pay = ledger.pay("100.00")
    assert _spent(ledger.flow(gift)) == [(pay, None, "40.00")]
    assert flow_pools(ledger.records)["uncovered"] == {pay: 6000}


def test_a_refund_comes_off_its_own_gift_even_when_recorded_after_the_disbursement():
    ledger = Ledger()
    first = ledger.gift("100.00", P, ref="A")
    second = ledger.gift("100.00", P, ref="B")
    pay = ledger.pay("150.00", P)
    ledger.refund("60.00", "A", P)

    result = ledger.flow(first)
    assert (result["amount"], result["net"]) == ("100.00", "40.00")
    assert _spent(result) == [(pay, P, "40.00")]
    assert _spent(ledger.flow(second)) == [(pay, P, "100.00")]


def test_a_refund_names_its_gift_only_within_the_same_pool():
    ledger = Ledger()
    gift = ledger.gift("100.00", P, ref="A")
    stray = ledger.refund("10.00", "A", Q)
    assert ledger.flow(gift)["net"] == "100.00"
    assert flow_pools(ledger.records)["unmatched_refunds"] == [stray]


def test_a_reversed_gift_funds_nothing_and_a_reversed_disbursement_draws_nothing():
    ledger = Ledger()
    wrong = ledger.gift("80.00", P)
    right = ledger.gift("80.00", P)
    ledger.reverse(wrong)
    mistaken = ledger.pay("50.00", P)
    ledger.reverse(mistaken)
    pay = ledger.pay("30.00", P)

    assert ledger.flow(wrong)["net"] == "0.00" and ledger.flow(wrong)["allocations"] == []
    assert _spent(ledger.flow(right)) == [(pay, P, "30.00")]


def test_a_reversed_refund_counts_as_no_refund():
    ledger = Ledger()
    gift = ledger.gift("100.00", P, ref="A")
    refund = ledger.refund("100.00", "A", P)
    ledger.reverse(refund)
    assert ledger.flow(gift)["net"] == "100.00"


def test_category_totals_from_reports_are_their_own_pool():
    ledger = Ledger()
    elderly = ledger.gift("60.00", label="关爱老人")
    fund = ledger.gift("60.00")
    pay = ledger.pay("100.00", label="关爱老人")
    assert ledger.flow(elderly)["pool"] == {"kind": "category", "category_label": "关爱老人"}
    assert _spent(ledger.flow(elderly)) == [(pay, None, "60.00")]
    assert _spent(ledger.flow(fund)) == [(pay, None, "40.00")]


def test_approvals_and_fees_move_no_gift_and_unknown_ids_give_none():
    ledger = Ledger()
    gift = ledger.gift("10.00", P)
    approval = ledger.add("grant_approval", "10.00", project=P)
    ledger.add("fee", "0.06")
    assert ledger.flow(gift)["unspent"] == "10.00"
    assert ledger.flow(approval) is None and ledger.flow(999) is None


def test_the_refund_memo_form_is_the_one_the_site_writes():
    assert refund_order_ref("退还捐赠：订单 20261201ABCDEF012345，捐赠人申请") == "20261201ABCDEF012345"
    assert refund_order_ref("更正：订单 X") is None and refund_order_ref("") is None


def test_a_restricted_pool_alone_gives_the_same_answer_as_the_whole_ledger():
    ledger = Ledger()
    ledger.gift("5.00")
    gift = ledger.gift("30.00", P)
    ledger.pay("12.00", Q)
    ledger.pay("20.00", P)
    whole = gift_result(flow_pools(ledger.records), gift)
    alone = [r for r in ledger.records if r["project_id"] == P]
    assert gift_flow(alone, gift) == whole


# --- property: allocations never exceed a gift or a disbursement, and everything adds up ----------

amounts = st.integers(min_value=1, max_value=50_000).map(lambda cents: f"{Decimal(cents) / 100:.2f}")
pools = st.sampled_from([None, P, Q])
steps = st.lists(
    st.one_of(
        st.tuples(st.just("gift"), amounts, pools),
        st.tuples(st.just("pay"), amounts, pools),
        st.tuples(st.just("refund"), st.integers(1, 100), st.integers(0, 40)),
        st.tuples(st.just("reverse"), st.integers(0, 40), st.just(None)),
    ),
    max_size=60,
)


def _build(plan):
    ledger, gifts = Ledger(), []
    for action, first, second in plan:
        if action == "gift":
            gifts.append(ledger.gift(first, second))
        elif action == "pay":
            ledger.pay(first, second)
        elif action == "refund" and gifts:
            gift = ledger.records[gifts[second % len(gifts)] - 1]
            cents = max(1, int(Decimal(gift["amount"]) * first) // 100)  # up to the gift's amount
            ledger.refund(f"{Decimal(cents) / 100:.2f}", gift["source_ref"], gift["project_id"])
        elif action == "reverse" and ledger.records:
            target = ledger.records[first % len(ledger.records)]
            reversed_ids = {r["reverses_id"] for r in ledger.records}
            if target["kind"] != "correction" and target["id"] not in reversed_ids:
                ledger.reverse(target["id"])
    return ledger, gifts


def _cents(text):
    return int(Decimal(text) * 100)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_allocations_never_exceed_a_gift_or_a_disbursement_and_sum_correctly(plan):
    ledger, gifts = _build(plan)
    flow = flow_pools(ledger.records)
    by_id = {r["id"]: r for r in ledger.records}
    reversed_ids = {r["reverses_id"] for r in ledger.records if r["reverses_id"]}
    drawn = {}
    for gift in gifts:
        result = gift_result(flow, gift)
        net, spent, unspent = _cents(result["net"]), _cents(result["spent"]), _cents(result["unspent"])
        assert 0 <= net <= _cents(by_id[gift]["amount"])
        assert sum(_cents(row["amount"]) for row in result["allocations"]) == spent
        assert all(_cents(row["amount"]) > 0 for row in result["allocations"])
        assert spent + unspent == net and unspent >= 0
        for row in result["allocations"]:
            disbursement = by_id[row["disbursement_id"]]
            assert disbursement["kind"] == "disbursement" and disbursement["id"] not in reversed_ids
            assert disbursement["id"] > gift  # only money recorded before it
            if by_id[gift]["project_id"] is not None:  # a restricted gift stays in its project
                assert disbursement["project_id"] == by_id[gift]["project_id"]
            drawn[row["disbursement_id"]] = drawn.get(row["disbursement_id"], 0) + _cents(row["amount"])
    for record in ledger.records:
        if record["kind"] == "disbursement":
            want = 0 if record["id"] in reversed_ids else _cents(record["amount"])
            assert drawn.get(record["id"], 0) + flow["uncovered"].get(record["id"], 0) == want
    # First in, first out: while an older gift of a pool has money left, no newer gift of it is used.
    results = {gift: gift_result(flow, gift) for gift in gifts}
    for older in gifts:
        for newer in gifts:
            same_pool = by_id[older]["project_id"] == by_id[newer]["project_id"]
            if same_pool and older < newer and _cents(results[older]["unspent"]) > 0:
                assert results[newer]["allocations"] == []
