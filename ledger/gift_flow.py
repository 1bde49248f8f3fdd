"""Where a gift went: follow each donation into the disbursements it helped pay, by one fixed rule.

Standard library only, no Django: it runs on the public download (``/fund/ledger.json``) as well
as inside the site, and both give the same answer.

Usage: python ledger/gift_flow.py ledger.json (--entry ID | --ref ORDER_NO) [--json]

The rule (the Chinese explanation is on /fund/ under 「捐赠去向」):

1. Every donation belongs to one pool. A gift recorded with a project is restricted to that
   project's pool. A fund-level gift recorded with only a category label (a report's category
   total) is restricted to that category label's pool. A gift with neither is unrestricted: it
   joins the fund's unrestricted pool.
2. A gift counts with its net amount: its amount less every refund of it and less its reversal,
   as the ledger stands now. A refund names its gift by the order number in its memo
   (``退还捐赠：订单 <order number>，…``, the form every refund is recorded in) and belongs to the
   gift of that order in the same pool; a refund naming no gift there is not followed (it is
   listed as unmatched). A reversed refund counts as no refund.
3. Every disbursement draws from a pool with its net amount (a reversed disbursement draws
   nothing). A project's disbursement draws from its project pool; a fund-level disbursement with
   a category label draws from that label's pool; any other disbursement from the unrestricted
   pool.
4. The ledger is read in entry id order. Each pool is a first-in-first-out queue: a disbursement
   takes the oldest remaining money first, and only money recorded before it. Whatever a
   disbursement cannot cover from its restricted pool it draws, first-in-first-out, from the
   unrestricted pool at the same moment. Whatever the unrestricted pool cannot cover either is
   left uncovered (paid from money the ledger does not follow, such as balances from before the
   ledger began).
5. Approvals, fees and corrections of them move no gift.

For each gift the result lists (disbursement entry id, project, amount of this gift in it) and
the unspent remainder, which stays in its pool. Amounts are exact to the fen: each gift is an
interval of its pool's cumulative cents and each draw another, and the amount of a gift in a
disbursement is the overlap of the two intervals.
"""

import argparse
import json
import re
import sys
from bisect import bisect_right
from decimal import Decimal

__all__ = [
    "FUND_POOL", "PoolFlow", "cents", "flow_pools", "gift_flow", "gift_result", "pool_key", "refund_order_ref",
]

FUND_POOL = ("fund",)
REFUND_MEMO = re.compile(r"^退还捐赠：订单 ([0-9A-Za-z_-]+)")
FOLLOWED_KINDS = {"donation", "refund", "disbursement"}


def cents(amount) -> int:
    """An amount ("12.34" or a Decimal) as integer fen; more than two decimals is an error."""
    fen = Decimal(str(amount)) * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {amount!r} has more than two decimals")
    return int(fen)


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def pool_key(record) -> tuple:
    """("project", id), ("category", label) or FUND_POOL: the pool an entry's money belongs to."""
    if record.get("project_id") is not None:
        return ("project", record["project_id"])
    if record.get("category_label"):
        return ("category", record["category_label"])
    return FUND_POOL


def refund_order_ref(memo) -> str | None:
    """The order number a refund entry's memo names, or None."""
    match = REFUND_MEMO.match(memo or "")
    return match[1] if match else None


class PoolFlow:
    """One pool after the pass: its gifts and draws as intervals of the pool's cumulative cents.

    Plain lists of integers, so it pickles small and can be cached whole.
    """

    def __init__(self, key):
        self.key = key
        self.gift_ids, self.gift_starts, self.gift_nets = [], [], []
        # One row per draw that took money: (start, end, disbursement id, project id, label, date, via)
        self.draws = []
        self.total_in = 0
        self.total_out = 0

    def add_gift(self, gift_id, net):
        self.gift_ids.append(gift_id)
        self.gift_starts.append(self.total_in)
        self.gift_nets.append(net)
        self.total_in += net

    def draw(self, want, meta) -> int:
        """Take up to ``want`` cents, oldest first; returns what could not be covered."""
        take = min(want, self.total_in - self.total_out)
        if take > 0:
            self.draws.append((self.total_out, self.total_out + take, *meta))
            self.total_out += take
        return want - take

    def allocations(self, gift_id):
        """[(disbursement id, project id, label, date, via, cents)] of one gift, and its net cents."""
        index = bisect_right(self.gift_ids, gift_id) - 1
        if index < 0 or self.gift_ids[index] != gift_id:
            return None, 0
        start = self.gift_starts[index]
        end = start + self.gift_nets[index]
        result = []
        # Draws are in order of their intervals; skip those that end before this gift begins.
        for draw_start, draw_end, *meta in self.draws[_first_draw(self.draws, start):]:
            if draw_start >= end:
                break
            overlap = min(end, draw_end) - max(start, draw_start)
            if overlap > 0:
                result.append((*meta, overlap))
        return result, self.gift_nets[index]


def _first_draw(draws, start):
    """Index of the first draw whose interval ends after ``start`` (binary search without a copy)."""
    low, high = 0, len(draws)
    while low < high:
        middle = (low + high) // 2
        if draws[middle][1] <= start:
            low = middle + 1
        else:
            high = middle
    return low


def _nets(records):
    """Pre-pass: each gift's and each disbursement's net cents as the ledger stands; unmatched refunds."""
    by_id, gifts, disbursements, refunds = {}, {}, {}, {}
    gift_by_ref, unmatched = {}, []
    for record in records:
        kind = record["kind"]
        if kind not in FOLLOWED_KINDS and kind != "correction":
            continue
        entry_id = record["id"]
        by_id[entry_id] = record
        if kind == "donation":
            gifts[entry_id] = cents(record["amount"])
            if record.get("source_ref"):
                gift_by_ref.setdefault((pool_key(record), record["source_ref"]), entry_id)
        elif kind == "disbursement":
            disbursements[entry_id] = cents(record["amount"])
        elif kind == "refund":
            ref = refund_order_ref(record.get("memo"))
            gift_id = gift_by_ref.get((pool_key(record), ref)) if ref else None
            if gift_id is None:
                unmatched.append(entry_id)
            else:
                refunds[entry_id] = (gift_id, cents(record["amount"]))
        else:  # a correction reverses one entry with its whole amount
            original = by_id.get(record.get("reverses_id"))
            if original is None:
                continue
            if original["kind"] == "donation":
                gifts[original["id"]] -= cents(record["amount"])
            elif original["kind"] == "disbursement":
                disbursements[original["id"]] -= cents(record["amount"])
            elif original["kind"] == "refund":
                refunds.pop(original["id"], None)
                if original["id"] in unmatched:
                    unmatched.remove(original["id"])
    for gift_id, fen in refunds.values():
        gifts[gift_id] -= fen
    return by_id, gifts, disbursements, unmatched


def flow_pools(records, *, only=None) -> dict:
    """Run the rule over ledger records (dicts as in the JSON download) in id order.

    Returns {"pools": {pool key: PoolFlow}, "gifts": {gift id: (pool key, amount cents)},
    "uncovered": {disbursement id: cents}, "unmatched_refunds": [ids]}. With ``only`` (a set of
    restricted pool keys) the unrestricted pool is not computed: a restricted pool never depends
    on anything outside itself, so those pools come out the same from their own entries alone.
    """
    if only is not None and FUND_POOL in only:
        only = None  # the unrestricted pool takes every restricted pool's overflow: run them all
    records = sorted(records, key=lambda record: record["id"])
    by_id, nets, disbursement_nets, unmatched = _nets(records)
    pools, gifts, uncovered = {}, {}, {}
    with_fund = only is None or FUND_POOL in only

    def pool(key):
        if key not in pools:
            pools[key] = PoolFlow(key)
        return pools[key]

    for entry_id, record in by_id.items():
        key = pool_key(record)
        if only is not None and key not in only:
            continue
        if record["kind"] == "donation":
            gifts[entry_id] = (key, cents(record["amount"]))
            pool(key).add_gift(entry_id, max(nets[entry_id], 0))
        elif record["kind"] == "disbursement":
            want = max(disbursement_nets[entry_id], 0)
            if want == 0:
                continue
            meta = (entry_id, record.get("project_id"), record.get("category_label") or "", record["occurred_on"])
            left = want
            if key != FUND_POOL:
                left = pool(key).draw(left, (*meta, "restricted"))
            if left and with_fund:
                left = pool(FUND_POOL).draw(left, (*meta, "unrestricted"))
            if left and with_fund:
                uncovered[entry_id] = left
    return {"pools": pools, "gifts": gifts, "uncovered": uncovered, "unmatched_refunds": unmatched}


def gift_result(flow: dict, gift_id: int) -> dict | None:
    """Where one gift went, from a flow_pools result; None when the id is not a followed gift."""
    if gift_id not in flow["gifts"]:
        return None
    key, amount = flow["gifts"][gift_id]
    allocations, net = flow["pools"][key].allocations(gift_id)
    if allocations is None:
        return None
    spent = sum(row[-1] for row in allocations)
    return {
        "entry_id": gift_id,
        "pool": _pool_json(key),
        "amount": _yuan(amount),
        "net": _yuan(net),
        "allocations": [
            {"disbursement_id": disbursement_id, "project_id": project_id, "category_label": label,
             "occurred_on": occurred_on, "via": via, "amount": _yuan(fen)}
            for disbursement_id, project_id, label, occurred_on, via, fen in allocations
        ],
        "spent": _yuan(spent),
        "unspent": _yuan(net - spent),
    }


def _pool_json(key):
    if key[0] == "project":
        return {"kind": "project", "project_id": key[1]}
    if key[0] == "category":
        return {"kind": "category", "category_label": key[1]}
    return {"kind": "fund"}


def gift_flow(records, gift_id: int) -> dict | None:
    """Where one gift went, computed from the ledger's records (only its own pool when restricted)."""
    records = list(records)
    gift = next((r for r in records if r["id"] == gift_id and r["kind"] == "donation"), None)
    if gift is None:
        return None
    key = pool_key(gift)
    return gift_result(flow_pools(records, only=None if key == FUND_POOL else {key}), gift_id)


def _find_gift_id(records, *, entry_id=None, ref=None):
    for record in records:
        if record["kind"] != "donation":
            continue
        if entry_id is not None and record["id"] == entry_id:
            return entry_id
        if ref is not None and record.get("source_ref") == ref:
            return record["id"]
    return None


def _text(result, titles):
    pool = result["pool"]
    where = {"project": f"项目 {titles.get(pool.get('project_id'), pool.get('project_id'))}",
             "category": f"类别 {pool.get('category_label')}", "fund": "基金非限定资金"}[pool["kind"]]
    lines = [f"捐赠 #{result['entry_id']}：{result['amount']} 元（扣除退款、冲销后 {result['net']} 元），计入{where}。"]
    for row in result["allocations"]:
        target = titles.get(row["project_id"]) or row["category_label"] or "基金层面汇总"
        lines.append(f"  拨付 #{row['disbursement_id']} {target} {row['amount']} 元 {row['occurred_on']}")
    lines.append(f"  尚未使用：{result['unspent']} 元")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Where a gift went, from the public ledger download.")
    parser.add_argument("path", help="ledger.json downloaded from /fund/ledger.json")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--entry", type=int, help="the gift's ledger entry id")
    which.add_argument("--ref", help="the gift's source reference (the donation's order number)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    with open(args.path, encoding="utf-8") as handle:
        document = json.load(handle)
    if document.get("year") or document.get("project_id"):
        sys.stderr.write("This is an extract; the rule needs the whole ledger (download /fund/ledger.json).\n")
        return 2
    records = document["entries"]
    gift_id = _find_gift_id(records, entry_id=args.entry, ref=args.ref)
    result = gift_flow(records, gift_id) if gift_id is not None else None
    if result is None:
        sys.stderr.write("No such donation in this ledger.\n")
        return 1
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        titles = {r["project_id"]: r.get("project_title") for r in records if r.get("project_id") is not None}
        sys.stdout.write(_text(result, titles) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
