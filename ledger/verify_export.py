"""Check a downloaded copy of the fund's ledger without Django or any other dependency.

Usage: python ledger/verify_export.py ledger.json [--head HASH]

Each entry's hash is SHA-256 over the UTF-8 bytes of a JSON object holding exactly the
fields in HASHED_FIELDS (keys sorted, no spaces, non-ASCII characters kept as they are,
amounts as strings with two decimals, dates ISO 8601, recorded_at in UTC as
YYYY-MM-DDTHH:MM:SSZ, missing references as null). prev_hash is the previous entry's
hash, 64 zeros for entry 1. Ids run 1, 2, 3 … without gaps. Pass --head with the latest
hash published on the site to detect entries cut off the end.
"""

import hashlib
import json
import re
import sys

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "id", "kind", "amount", "occurred_on", "recorded_at", "project_id", "category_label",
    "memo", "source", "source_ref", "reverses_id", "voucher_id", "prev_hash",
)
AMOUNT_RE = re.compile(r"^[1-9]\d{0,11}\.\d{2}$|^0\.(0[1-9]|[1-9]\d)$")


def canonical_bytes(record):
    """The exact bytes that are hashed for one entry."""
    body = {name: record[name] for name in HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_digest(record):
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def chain_problems(entries, expected_head=None):
    """Every way the list of entries departs from an intact chain, as (id, message) pairs."""
    problems = []
    previous = GENESIS_HASH
    expected_id = 1
    for record in entries:
        missing = [name for name in HASHED_FIELDS + ("entry_hash",) if name not in record]
        entry_id = record.get("id")
        if missing:
            problems.append((entry_id, f"missing fields: {', '.join(missing)}"))
            continue
        if entry_id != expected_id:
            problems.append((entry_id, f"expected entry {expected_id} here, found {entry_id}"))
        if not AMOUNT_RE.match(str(record["amount"])):
            problems.append((entry_id, f"amount {record['amount']!r} is not a positive yuan amount with two decimals"))
        if record["prev_hash"] != previous:
            problems.append((entry_id, "prev_hash does not match the previous entry's hash"))
        if entry_digest(record) != record["entry_hash"]:
            problems.append((entry_id, "content does not match its entry_hash"))
        previous = record["entry_hash"]
        expected_id = (entry_id if isinstance(entry_id, int) else expected_id) + 1
    if expected_head is not None and previous != expected_head:
        problems.append((None, "the last entry's hash is not the published head hash"))
    return problems


def main(argv):
    args = list(argv[1:])
    head = None
    if "--head" in args:
        at = args.index("--head")
        head = args[at + 1] if at + 1 < len(args) else ""
        del args[at:at + 2]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    with open(args[0], encoding="utf-8") as handle:
        document = json.load(handle)
    entries = document["entries"] if isinstance(document, dict) else document
    problems = chain_problems(entries, expected_head=head)
    for entry_id, message in problems:
        where = f"entry {entry_id}" if entry_id is not None else "ledger"
        sys.stdout.write(f"FAIL {where}: {message}\n")
    if problems:
        return 1
    last = entries[-1]["entry_hash"] if entries else GENESIS_HASH
    sys.stdout.write(f"OK {len(entries)} entries, head {last}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
