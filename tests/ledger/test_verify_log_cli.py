"""The standalone verifier as a citizen runs it: a copy of the file alone, against a running site.

A real HTTP server (pytest-django's live_server) serves the log from the test database; the
verifier runs in a subprocess from a temporary directory, so it can use nothing from the
project. A forked history is served by a second small server holding a rewritten ledger whose
tree and heads are recomputed and validly signed with the fund's key: the verifier must catch it.
"""

import base64
import http.server
import json
import shutil
import subprocess
import sys
import threading
import urllib.parse
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger import merkle
from ledger.models import ChainHead, EntryKind, EntrySource
from ledger.services import entry_record
from ledger.signing import private_key, public_key_b64
from ledger.verify_log import (
    canonical_bytes,
    head_message,
    head_problems,
    key_id,
    leaf_hash,
    main,
    split_views,
)

pytestmark = pytest.mark.django_db(transaction=True)
VERIFIER = Path(__file__).resolve().parents[2] / "ledger" / "verify_log.py"


@pytest.fixture(autouse=True)
def chain_head(transactional_db):
    """The head row migration 0002 creates; a flush by an earlier transactional test removes it."""
    return ChainHead.objects.get_or_create(pk=1)[0]


@pytest.fixture
def verifier(tmp_path):
    """A copy of verify_log.py alone in an empty directory, run as `python verify_log.py …`."""
    directory = tmp_path / "citizen"
    directory.mkdir()
    shutil.copy(VERIFIER, directory / "verify_log.py")

    def run(*args, pure=False):
        # -I: no project on the path, no user site; -S as well: no site-packages, so no
        # cryptography package either and the pure-Python Ed25519 does the checking.
        flags = ["-I", "-S"] if pure else ["-I"]
        done = subprocess.run([sys.executable, *flags, "verify_log.py", *map(str, args)], cwd=directory,
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout + done.stderr

    run.directory = directory
    return run


def _entries(count, start=0):
    for i in range(start, start + count):
        entry_record(kind=EntryKind.DONATION, amount=Decimal(f"{i % 50 + 1}.{i % 100:02d}"), occurred_on=date(2024, 3, 1),
                     memo=f"捐赠 {i}", source=EntrySource.DONATION, source_ref=f"C{i}")


def _get(url):
    import urllib.request

    with urllib.request.urlopen(url, timeout=20) as response:
        return json.loads(response.read().decode("utf-8"))



@pytest.fixture
def key():
    return public_key_b64()


def test_check_site_passes_on_the_real_site_and_then_proves_it_only_grew(live_server, verifier, key, tmp_path):
    _entries(12)
    state = tmp_path / "state.json"
    code, out = verifier("check-site", live_server.url, "--key", key, "--state", state, "--sample", 5)
    assert code == 0, out
    assert "记录 1 的包含证明有效" in out and "记录 12 的包含证明有效" in out
    assert json.loads(state.read_text())["head"]["size"] == 12
    _entries(5, start=12)
    code, out = verifier("check-site", live_server.url, "--key", key, "--state", state, pure=True)
    assert code == 0, out
    assert "日志是上次所见规模 12 的延续" in out
    assert json.loads(state.read_text())["head"]["size"] == 17


def test_check_site_refuses_another_key_and_reports_usage_and_network_errors(live_server, verifier, key):
    _entries(2)
    other = base64.b64encode(bytes(32)).decode()
    code, out = verifier("check-site", live_server.url, "--key", other)
    assert code == 1 and "公钥与 --key 不同" in out
    code, out = verifier("check-site", live_server.url, "--key", "not base64!")
    assert code == 2 and "--key" in out
    code, out = verifier("check-site", "http://127.0.0.1:9", "--key", key, "--timeout", 2)
    assert code == 2 and "无法读取" in out
    code, out = verifier("check-site", live_server.url)
    assert code == 2  # argparse: --key is required


def test_head_inclusion_and_consistency_commands_on_served_urls(live_server, verifier, key, tmp_path):
    _entries(7)
    base = f"{live_server.url}/fund/log"
    assert verifier("head", f"{base}/head", "--key", key)[0] == 0
    assert verifier("head", f"{base}/heads/3", "--key", key, pure=True)[0] == 0
    for entry in range(1, 8):
        code, out = verifier("inclusion", f"{base}/proof/inclusion?entry={entry}&size=7", "--key", key)
        assert code == 0, out
    for first in range(0, 8):
        code, out = verifier("consistency", f"{base}/proof/consistency?first={first}&second=7", "--key", key)
        assert code == 0, out
    # Saved to a file and changed: refused.
    body = _get(f"{base}/proof/inclusion?entry=3&size=7")
    body["leaf"]["data"] = body["leaf"]["data"].replace("捐赠 2", "捐赠 9")
    (tmp_path / "changed.json").write_text(json.dumps(body, ensure_ascii=False))
    code, out = verifier("inclusion", tmp_path / "changed.json", "--key", key)
    assert code == 1 and "leaf_hash 不是由 data 算出的" in out
    assert verifier("head", tmp_path / "missing.json", "--key", key)[0] == 2


def _served_inclusion(base, entry, size):
    return _get(f"{base}/proof/inclusion?entry={entry}&size={size}")


def test_a_changed_field_or_wrong_key_in_any_served_answer_is_refused(live_server, key):
    _entries(6)
    base = f"{live_server.url}/fund/log"
    public = base64.b64decode(key)
    head = _get(f"{base}/head")
    assert head_problems(head, public) == []
    for field, value in [("size", 5), ("size", True), ("root_hash", "0" * 64), ("timestamp", "2020-01-01T00:00:00Z"),
                         ("origin", "another-log"), ("signature", base64.b64encode(bytes(64)).decode()),
                         ("key_id", "0" * 16), ("size", "6"), ("root_hash", head["root_hash"].upper())]:
        assert head_problems({**head, field: value}, public), (field, value)
    assert head_problems(head, bytes(range(32)))
    from ledger.verify_log import consistency_problems, inclusion_problems

    body = _served_inclusion(base, 2, 6)
    assert inclusion_problems(body, public, entry=2, size=6) == []
    assert inclusion_problems(body, public, entry=3, size=6)  # an answer about another entry
    assert inclusion_problems(body, public, entry=2, size=5)  # or another size
    for change in [
        lambda b: b["leaf"].update(index=3),
        lambda b: b["leaf"].update(entry_id=3),
        lambda b: b["proof"].reverse(),
        lambda b: b["proof"].append("00" * 32),
        lambda b: b["proof"].__setitem__(0, "ff" * 32),
        lambda b: b["head"].update(size=5),
        lambda b: b["leaf"].update(data=b["leaf"]["data"] + " "),
        lambda b: b.update(proof="abc"),
    ]:
        changed = json.loads(json.dumps(body))
        change(changed)
        assert inclusion_problems(changed, public), change
    body = _get(f"{base}/proof/consistency?first=2&second=6")
    assert consistency_problems(body, public, first=2, second=6) == []
    for change in [
        lambda b: b.update(first=3),
        lambda b: b["proof"].__setitem__(0, "ff" * 32),
        lambda b: b.update(first_head=b["second_head"], second_head=b["first_head"]),
        lambda b: b["second_head"].update(root_hash="0" * 64),
    ]:
        changed = json.loads(json.dumps(body))
        change(changed)
        assert consistency_problems(changed, public), change


# --- a forked history, served by a second site holding the fund's key ------------------------------


def _sign(origin, size, root_hex, timestamp="2030-01-01T00:00:00Z"):
    signature = private_key().sign(head_message(origin, size, root_hex, timestamp))
    return {"origin": origin, "size": size, "root_hash": root_hex, "timestamp": timestamp,
            "key_id": key_id(base64.b64decode(public_key_b64())),
            "signature": base64.b64encode(signature).decode(), "published": True}


def _rechain(entries):
    """Renumber and recompute the hash chain, as someone rewriting history would."""
    import hashlib

    previous = "0" * 64
    for number, record in enumerate(entries, start=1):
        record["id"], record["prev_hash"] = number, previous
        record["entry_hash"] = previous = hashlib.sha256(canonical_bytes(record)).hexdigest()
    return entries


class ForkSite:
    """The fund's log API over a rewritten list of entries, with its tree and heads recomputed and signed."""

    def __init__(self, entries, origin):
        self.entries, self.origin = entries, origin
        self.leaves = [leaf_hash(canonical_bytes(record)) for record in entries]
        self.store = {}
        self.store.update(merkle.append_nodes(0, self.leaves, self.fetch))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def fetch(self, keys):
        return {key: self.store[key] for key in keys if key in self.store}

    def head(self, size):
        return _sign(self.origin, size, merkle.root(size, self.fetch).hex())

    def answer(self, path, query):
        n = len(self.entries)
        if path == "/fund/log/key":
            return {"origin": self.origin, "algorithm": "Ed25519", "public_key": public_key_b64(), "key_id": ""}
        if path == "/fund/log/head":
            return self.head(n)
        if path == "/fund/log/proof/inclusion":
            entry, size = int(query["entry"]), int(query.get("size", n))
            data = canonical_bytes(self.entries[entry - 1]).decode()
            return {"leaf": {"entry_id": entry, "index": entry - 1, "data": data, "leaf_hash": self.leaves[entry - 1].hex()},
                    "proof": [p.hex() for p in merkle.inclusion_proof(entry - 1, size, self.fetch)],
                    "head": self.head(size)}
        if path == "/fund/log/proof/consistency":
            first, second = int(query["first"]), int(query.get("second", n))
            return {"first": first, "second": second, "first_head": self.head(first), "second_head": self.head(second),
                    "proof": [p.hex() for p in merkle.consistency_proof(first, second, self.fetch)]}
        return None

    def _handler(self):
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                parts = urllib.parse.urlsplit(self.path)
                body = site.answer(parts.path, dict(urllib.parse.parse_qsl(parts.query)))
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fork():
    sites = []

    def make(entries, origin):
        sites.append(ForkSite(entries, origin))
        return sites[-1]

    yield make
    for site in sites:
        site.close()


def _download(live_server):
    return _get(f"{live_server.url}/fund/ledger.json")


@pytest.mark.parametrize("rewrite, expected", [
    # Entry 4's amount changed, chain and tree recomputed, same size: two signed roots for size 10.
    (lambda e: e[3].update(amount="999.00"), "分叉视图"),
    # Entry 4 changed and one entry appended: the consistency proof from the size seen before fails.
    (lambda e: (e[3].update(memo="改过的记录"), e.append({**e[-1], "memo": "新增"})), "一致性证明不成立"),
    # Entry 4 deleted and two appended to reach a larger size: the same.
    (lambda e: (e.pop(3), e.append({**e[-1], "memo": "新增1"}), e.append({**e[-1], "memo": "新增2"})), "一致性证明不成立"),
    # The last two entries cut off: the log shrank below the size seen before.
    (lambda e: (e.pop(), e.pop()), "日志缩小了"),
])
def test_a_rewritten_history_with_valid_signatures_is_caught_by_a_verifier_that_kept_state(
        live_server, verifier, key, fork, tmp_path, rewrite, expected):
    _entries(10)
    state = tmp_path / "state.json"
    assert verifier("check-site", live_server.url, "--key", key, "--state", state)[0] == 0
    entries = _download(live_server)["entries"]
    rewrite(entries)
    forked = fork(_rechain(entries), _get(f"{live_server.url}/fund/log/key")["origin"])
    # Without memory of the real site, the fork is internally consistent and passes.
    assert verifier("check-site", forked.url, "--key", key)[0] == 0
    code, out = verifier("check-site", forked.url, "--key", key, "--state", state)
    assert code == 1 and expected in out, out
    assert json.loads(state.read_text())["head"]["size"] == 10  # the refused head is not remembered


def test_ledger_command_recomputes_the_root_from_a_full_download(live_server, verifier, key, tmp_path):
    _entries(9)
    document = _download(live_server)
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    head_url = f"{live_server.url}/fund/log/heads/9"
    code, out = verifier("ledger", path, "--head", head_url, "--key", key)
    assert code == 0, out
    code, out = verifier("ledger", f"{live_server.url}/fund/ledger.json", "--head", head_url, "--key", key, pure=True)
    assert code == 0, out
    # An earlier head covers a prefix; the rest is said to be unchecked.
    code, out = verifier("ledger", path, "--head", f"{live_server.url}/fund/log/heads/6", "--key", key)
    assert code == 0 and "树头只覆盖前 6 条" in out

    def variant(name, change, head=head_url):
        entries = json.loads(json.dumps(document["entries"]))
        change(entries)
        changed = {**document, "entries": _rechain(entries)}
        target = tmp_path / f"{name}.json"
        target.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
        return verifier("ledger", target, "--head", head, "--key", key)

    # Tampered, with the hash chain recomputed so the chain alone looks intact.
    code, out = variant("tampered", lambda e: e[4].update(amount="1.00"))
    assert code == 1 and "根哈希" in out and "entry_hash" not in out, out
    # Deleted (ids renumbered, chain recomputed): one entry short of the signed size.
    code, out = variant("deleted", lambda e: e.pop(2))
    assert code == 1 and "记录缺失" in out
    # Deleted and the signed head of the shorter size used instead: the root still differs.
    code, out = variant("deleted-8", lambda e: e.pop(2), head=f"{live_server.url}/fund/log/heads/8")
    assert code == 1 and "根哈希" in out
    # Inserted, checked against the head of the new size (signed on request): the root differs.
    _entries(1, start=100)
    code, out = variant("inserted", lambda e: e.insert(3, {**e[3], "memo": "插入的记录"}),
                        head=f"{live_server.url}/fund/log/heads/10")
    assert code == 1 and "根哈希" in out
    # Changed without recomputing the chain: both the chain and the root say so.
    entries = json.loads(json.dumps(document["entries"]))
    entries[1]["memo"] = "改"
    target = tmp_path / "plain.json"
    target.write_text(json.dumps({**document, "entries": entries}, ensure_ascii=False), encoding="utf-8")
    code, out = verifier("ledger", target, "--head", head_url, "--key", key)
    assert code == 1 and "entry_hash" in out and "根哈希" in out


def test_canonical_bytes_in_the_verifier_match_the_export_checker(live_server):
    from ledger import verify_export

    _entries(3)
    for record in _download(live_server)["entries"]:
        assert canonical_bytes(record) == verify_export.canonical_bytes(record)


def test_split_views_pairs_heads_of_one_size_with_two_roots(key):
    origin = "zhiyuan-taiyuan/fund-ledger"
    a, b, c = _sign(origin, 5, "aa" * 32), _sign(origin, 5, "bb" * 32), _sign(origin, 6, "cc" * 32)
    again = _sign(origin, 5, "aa" * 32, timestamp="2031-01-01T00:00:00Z")
    assert split_views([a, c, again]) == []
    assert split_views([a, b, c, again]) == [(a, b)]
    third = _sign(origin, 5, "dd" * 32)
    assert len(split_views([a, b, third])) == 3
    # Another log's head of the same size is no split view.
    assert split_views([a, _sign("another-log", 5, "bb" * 32)]) == []
    # With the key, only validly signed heads count as evidence.
    public = base64.b64decode(key)
    forged = {**b, "signature": base64.b64encode(bytes(64)).decode()}
    assert split_views([a, forged], public) == []
    assert split_views([a, b], public) == [(a, b)]
    assert split_views([{"size": 5}, "junk", None, a]) == []


def test_main_answers_usage_errors_with_exit_code_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense"])
    assert exit_info.value.code == 2
    assert main(["head", "/nonexistent/head.json", "--key", base64.b64encode(bytes(32)).decode()]) == 2
    assert main(["check-site", "ftp://example.org", "--key", "abc"]) == 2


class LyingSite(ForkSite):
    """Honest proofs, but about another entry than the one asked for."""

    def answer(self, path, query):
        if path == "/fund/log/proof/inclusion" and int(query["entry"]) < len(self.entries):
            query = {**query, "entry": str(int(query["entry"]) + 1)}
        return super().answer(path, query)


def test_an_answer_about_another_entry_than_asked_is_refused(live_server, verifier, key):
    _entries(5)
    entries = _rechain(_download(live_server)["entries"])
    liar = LyingSite(entries, _get(f"{live_server.url}/fund/log/key")["origin"])
    try:
        code, out = verifier("inclusion", f"{liar.url}/fund/log/proof/inclusion?entry=2&size=5", "--key", key)
        assert code == 1 and "回答的是叶子 2" in out, out
        # Saved to a file, the answer is a valid proof for the entry it names.
        assert verifier("inclusion", f"{liar.url}/fund/log/proof/inclusion?entry=5&size=5", "--key", key)[0] == 0
        code, out = verifier("check-site", liar.url, "--key", key)
        assert code == 1 and "记录 1: 要的是第 1 条记录" in out, out
    finally:
        liar.close()
