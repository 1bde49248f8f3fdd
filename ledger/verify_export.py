"""Check a downloaded copy of the fund's ledger without Django or any other dependency.

Usage: python ledger/verify_export.py ledger.json|ledger.csv [--head HASH] [--extract] [--vouchers DIR]

Each entry's hash is SHA-256 over the UTF-8 bytes of a JSON object holding exactly the
fields in HASHED_FIELDS (keys sorted, no spaces, non-ASCII characters kept as they are,
amounts as strings with two decimals, dates ISO 8601, recorded_at in UTC as
YYYY-MM-DDTHH:MM:SSZ, missing references as null). voucher_sha256, the SHA-256 of the
voucher file, is hashed only when it is not empty, so entries recorded before vouchers were
sealed keep their original hash. prev_hash is the previous entry's
hash, 64 zeros for entry 1. Ids run 1, 2, 3 … without gaps. Pass --head with the latest
hash published on the site to detect entries cut off the end. An extract (JSON with
"year" or "project_id" set, or --extract) has every hash checked, and links between neighbouring ids. --vouchers DIR re-hashes voucher files named <voucher_id> or
<voucher_id>.<ext> in DIR (a redacted public copy is a different file and does not match).
"""

import csv
import hashlib
import json
import re
import sys

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "id", "kind", "amount", "occurred_on", "recorded_at", "project_id", "category_label",
    "memo", "source", "source_ref", "reverses_id", "voucher_id", "voucher_sha256", "prev_hash",
)
# Hashed only when not empty: entries from before vouchers were sealed lack it.
OPTIONAL_FIELDS = ("voucher_sha256",)
INTEGER_FIELDS = ("id", "project_id", "reverses_id", "voucher_id")
AMOUNT_RE = re.compile(r"^[1-9]\d{0,11}\.\d{2}$|^0\.(0[1-9]|[1-9]\d)$")


def canonical_bytes(record):
    """The exact bytes that are hashed for one entry."""
    body = {
        name: record[name] for name in HASHED_FIELDS
        if name not in OPTIONAL_FIELDS or record.get(name)
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_digest(record):
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def file_sha256(handle):
    """SHA-256 of an open binary file, read in blocks."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 16), b""):
        digest.update(block)
    return digest.hexdigest()


def chain_problems(entries, expected_head=None, partial=False):
    """Every way the entries depart from an intact chain, as (id, code, message) triples.

    Codes: missing_fields, missing_entry (a gap in the ids), out_of_order (a repeated or stray id),
    bad_amount, broken_link (prev_hash is not the previous entry's hash), hash_mismatch (the
    entry's content was changed), head_mismatch (entries missing or added after the last one).
    ``expected_head`` is a hash, or a dict {"id", "entry_hash"} (then the last id must match too;
    with ids gap-free from 1 that also fixes the number of entries).
    ``partial`` is for an extract (one year): every hash is checked, links only between
    neighbouring ids, since the extract leaves out the entries between.
    """
    problems = []
    previous, previous_id = GENESIS_HASH, 0
    for record in entries:
        entry_id = record.get("id")
        missing = [
            name for name in HASHED_FIELDS + ("entry_hash",) if name not in record and name not in OPTIONAL_FIELDS
        ]
        if missing or not isinstance(entry_id, int):
            problems.append((entry_id, "missing_fields", f"missing or malformed fields: {', '.join(missing) or 'id'}"))
            continue
        linked = not partial or entry_id == previous_id + 1
        if entry_id <= previous_id:
            problems.append((entry_id, "out_of_order", f"entry {entry_id} comes after entry {previous_id}"))
        elif entry_id > previous_id + 1 and not partial:
            gone = f"entry {previous_id + 1}" if entry_id == previous_id + 2 else f"entries {previous_id + 1}-{entry_id - 1}"
            problems.append((previous_id + 1, "missing_entry", f"{gone} missing before entry {entry_id}"))
        if not AMOUNT_RE.match(str(record["amount"])):
            problems.append((entry_id, "bad_amount", f"amount {record['amount']!r} is not yuan with two decimals"))
        if linked and record["prev_hash"] != previous:
            problems.append((entry_id, "broken_link", "prev_hash is not the previous entry's hash"))
        if entry_digest(record) != record["entry_hash"]:
            problems.append((entry_id, "hash_mismatch", "content does not match its entry_hash"))
        previous, previous_id = record["entry_hash"], entry_id
    if isinstance(expected_head, dict):
        head_id, head_hash = expected_head["id"], expected_head["entry_hash"]
        if previous != head_hash:
            problems.append((None, "head_mismatch", f"the last entry's hash is not the head hash (head is entry {head_id})"))
        elif previous_id != head_id:
            problems.append((None, "head_mismatch", f"the last entry is {previous_id}; the head says {head_id}"))
    elif expected_head is not None and previous != expected_head:
        problems.append((None, "head_mismatch", "the last entry's hash is not the expected head hash"))
    return problems


def voucher_problems(entries, directory):
    """Entries whose voucher file in ``directory`` no longer has the SHA-256 the entry sealed."""
    import os

    files = {}
    for name in os.listdir(directory):
        stem = name.split(".", 1)[0]
        if stem.isascii() and stem.isdigit():
            files[int(stem)] = os.path.join(directory, name)
    problems, checked = [], 0
    for record in entries:
        sealed, voucher_id = record.get("voucher_sha256"), record.get("voucher_id")
        if not sealed or voucher_id not in files:
            continue
        checked += 1
        with open(files[voucher_id], "rb") as handle:
            if file_sha256(handle) != sealed:
                problems.append((record.get("id"), "voucher_mismatch", f"voucher {voucher_id} does not match its SHA-256"))
    return problems, checked


def read_entries(path):
    """(entries, is_extract) from a JSON export, or from a CSV export with its columns typed back."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        if not path.lower().endswith(".csv"):
            document = json.load(handle)
            if isinstance(document, list):
                return document, False
            extract = document.get("year") is not None or document.get("project_id") is not None
            return document["entries"], extract
        rows = list(csv.DictReader(handle))
    for row in rows:
        for name in INTEGER_FIELDS:
            value = row.get(name)
            if value is not None:
                row[name] = int(value) if value.strip() else None
    return rows, False


def main(argv):
    args = list(argv[1:])
    head = vouchers = None
    partial = "--extract" in args
    if partial:
        args.remove("--extract")
    if "--head" in args:
        at = args.index("--head")
        head = args[at + 1] if at + 1 < len(args) else ""
        del args[at:at + 2]
    if "--vouchers" in args:
        at = args.index("--vouchers")
        vouchers = args[at + 1] if at + 1 < len(args) else "."
        del args[at:at + 2]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    entries, is_extract = read_entries(args[0])
    problems = chain_problems(entries, expected_head=head, partial=partial or is_extract)
    if vouchers is not None:
        found, checked = voucher_problems(entries, vouchers)
        problems += found
        sys.stdout.write(f"{checked} voucher files re-hashed\n")
    for entry_id, _code, message in problems:
        where = f"entry {entry_id}" if entry_id is not None else "ledger"
        sys.stdout.write(f"FAIL {where}: {message}\n")
    if problems:
        return 1
    last = entries[-1]["entry_hash"] if entries else GENESIS_HASH
    sys.stdout.write(f"OK {len(entries)} entries, head {last}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
