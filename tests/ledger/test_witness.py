"""Witnesses: the witness command against a forged log, split views across witnesses, the cosignature API,
the admin registry and the log page."""

import base64
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

import ledger.witness as witness
from ledger import merkle, verify_log
from ledger.hashing import format_recorded_at
from ledger.models import FINANCE_GROUP, Cosignature, EntryKind, EntrySource, LedgerImmutableError, TreeHead, Witness
from ledger.selectors import head_json
from ledger.signing import head_signature, public_key_b64

LEDGER_DIR = Path(__file__).resolve().parents[2] / "ledger"
NAME = "太原日报"


def install(tmp_path) -> Path:
    """The two files a witness downloads, alone in a directory of their own."""
    target = tmp_path / "bin"
    target.mkdir(exist_ok=True)
    for name in ("witness.py", "verify_log.py"):
        shutil.copy(LEDGER_DIR / name, target / name)
    return target / "witness.py"


def run(script, *args, cwd):
    """The command as a witness runs it: -S leaves out site-packages, so only the standard library is there."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-S", str(script), *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)


def keygen(script, tmp_path, name="witness.key"):
    result = run(script, "keygen", "--out", str(tmp_path / name), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / name, result.stdout.strip()


def seed_and_key():
    seed = os.urandom(32)
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return seed, base64.b64encode(public).decode()


# --- a log served by a stand-in site, signed with the fund's (demo) key --------------------------------


class ForgedLog:
    """A Merkle log over made-up leaves whose heads are signed with the fund's key: what a rogue site serves."""

    def __init__(self, tag, count=8):
        self.leaves = [verify_log.leaf_hash(f"{tag}-{i}".encode()) for i in range(count)]
        self.nodes = merkle.append_nodes(0, self.leaves, lambda keys: {})

    def _fetch(self, keys):
        return {k: self.nodes[k] for k in keys}

    def head(self, size):
        root = merkle.root(size, self._fetch).hex()
        timestamp = "2026-01-01T00:00:00Z"
        return {"origin": settings.LEDGER_LOG_ORIGIN, "size": size, "root_hash": root, "timestamp": timestamp,
                "key_id": verify_log.key_id(base64.b64decode(public_key_b64())),
                "signature": head_signature(size=size, root_hash=root, timestamp=timestamp), "published": True}

    def proof(self, first, second, first_head=None):
        return {"first": first, "second": second,
                "proof": [p.hex() for p in merkle.consistency_proof(first, second, self._fetch)],
                "first_head": first_head or self.head(first), "second_head": self.head(second)}


@pytest.fixture
def stand_in():
    """An HTTP server answering whatever JSON the test puts in ``routes`` (path with query -> body)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            body = server.routes.get(self.path)
            data = json.dumps(body).encode() if body is not None else b'{"detail": "not found"}'
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.routes = {}
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def serve(server, log, size, proofs=()):
    server.routes = {"/fund/log/head": log.head(size)}
    for first, body in proofs:
        server.routes[f"/fund/log/proof/consistency?first={first}&second={size}"] = body


def cosign(script, server, key, state, cwd):
    return run(script, "cosign", server.url, "--site-key", public_key_b64(), "--name", NAME, "--key", str(key),
               "--state", str(state), cwd=cwd)


def evidence(state, kind):
    return [json.loads(p.read_text()) for p in Path(state).glob(f"evidence-*-{kind}*.json")]


def test_keygen_writes_a_private_seed_and_prints_the_public_key(tmp_path):
    script = install(tmp_path)
    key, public = keygen(script, tmp_path)
    assert os.stat(key).st_mode & 0o777 == 0o600
    seed = base64.b64decode(key.read_text().strip())
    assert base64.b64decode(public) == witness.ed25519_public_key(seed)
    again = run(script, "keygen", "--out", str(key), cwd=tmp_path)  # never overwrites a key
    assert again.returncode == 2 and "已存在" in again.stderr and key.read_text().strip() == base64.b64encode(seed).decode()


def test_an_honest_log_is_cosigned_and_its_extension_checked(tmp_path, stand_in):
    script = install(tmp_path)
    key, _ = keygen(script, tmp_path)
    state, log = tmp_path / "state", ForgedLog("honest")
    serve(stand_in, log, 3)
    assert cosign(script, stand_in, key, state, tmp_path).returncode == 0
    serve(stand_in, log, 7, proofs=[(3, log.proof(3, 7))])
    result = cosign(script, stand_in, key, state, tmp_path)
    assert result.returncode == 0, result.stderr
    saved = json.loads((state / "heads.json").read_text())
    assert saved["cosigned"] == 7 and set(saved["heads"]) == {"3", "7"}
    cosignature = saved["cosignature"]
    message = verify_log.cosignature_message(NAME, cosignature["cosigned_at"], log.head(7))
    public = witness.ed25519_public_key(base64.b64decode(key.read_text()))
    assert verify_log.ed25519_verify(public, message, base64.b64decode(cosignature["signature"]))


def test_a_second_root_for_a_size_already_seen_is_refused_as_a_split_view(tmp_path, stand_in):
    script = install(tmp_path)
    key, _ = keygen(script, tmp_path)
    state, honest, forked = tmp_path / "state", ForgedLog("honest"), ForgedLog("forked")
    serve(stand_in, honest, 3)
    assert cosign(script, stand_in, key, state, tmp_path).returncode == 0
    before = (state / "heads.json").read_text()

    serve(stand_in, forked, 3)  # the same size, another root, validly signed by the fund
    result = cosign(script, stand_in, key, state, tmp_path)
    assert result.returncode == 1
    assert "分叉视图" in result.stderr and "split view" in result.stderr
    [proof] = evidence(state, "split-view")
    roots = {h["root_hash"] for h in proof["conflicts"][0]["heads"]}
    assert roots == {honest.head(3)["root_hash"], forked.head(3)["root_hash"]}
    assert all(verify_log.head_problems(h, base64.b64decode(public_key_b64())) == []
               for h in proof["conflicts"][0]["heads"])  # the evidence is signed by the fund itself
    assert (state / "heads.json").read_text() == before  # nothing co-signed, nothing accepted


def test_a_proof_served_with_another_first_head_is_a_split_view(tmp_path, stand_in):
    script = install(tmp_path)
    key, _ = keygen(script, tmp_path)
    state, honest, forked = tmp_path / "state", ForgedLog("honest"), ForgedLog("forked")
    serve(stand_in, honest, 3)
    assert cosign(script, stand_in, key, state, tmp_path).returncode == 0
    serve(stand_in, forked, 6, proofs=[(3, forked.proof(3, 6))])  # a fork that is consistent with itself
    result = cosign(script, stand_in, key, state, tmp_path)
    assert result.returncode == 1 and "分叉视图" in result.stderr
    assert evidence(state, "split-view")


def test_a_rewritten_history_presented_as_an_extension_is_refused(tmp_path, stand_in):
    script = install(tmp_path)
    key, _ = keygen(script, tmp_path)
    state, honest, rewritten = tmp_path / "state", ForgedLog("honest"), ForgedLog("rewritten")
    serve(stand_in, honest, 3)
    assert cosign(script, stand_in, key, state, tmp_path).returncode == 0
    # The rogue site shows the old head as before, but the new tree does not contain it.
    serve(stand_in, rewritten, 6, proofs=[(3, rewritten.proof(3, 6, first_head=honest.head(3)))])
    result = cosign(script, stand_in, key, state, tmp_path)
    assert result.returncode == 1 and "一致性证明不成立" in result.stderr and "consistency proof fails" in result.stderr
    [proof] = evidence(state, "inconsistent")
    assert proof["head"]["size"] == 6 and proof["last"]["size"] == 3
    assert json.loads((state / "heads.json").read_text())["cosigned"] == 3


def test_a_shrunk_log_and_a_bad_signature_are_refused(tmp_path, stand_in):
    script = install(tmp_path)
    key, _ = keygen(script, tmp_path)
    state, log = tmp_path / "state", ForgedLog("honest")
    serve(stand_in, log, 5)
    assert cosign(script, stand_in, key, state, tmp_path).returncode == 0
    serve(stand_in, log, 4)
    result = cosign(script, stand_in, key, state, tmp_path)
    assert result.returncode == 1 and "缩小" in result.stderr and evidence(state, "shrank")
    tampered = {**log.head(6), "root_hash": "0" * 64}
    stand_in.routes = {"/fund/log/head": tampered}
    result = cosign(script, stand_in, key, state, tmp_path)
    assert result.returncode == 1 and "签名" in result.stderr and evidence(state, "bad-signature")
    assert json.loads((state / "heads.json").read_text())["cosigned"] == 5


def test_compare_flags_two_witnesses_who_saw_different_roots_for_one_size(tmp_path, stand_in):
    script = install(tmp_path)
    key, _ = keygen(script, tmp_path)
    honest, forked = ForgedLog("honest"), ForgedLog("forked")
    serve(stand_in, honest, 4)
    assert cosign(script, stand_in, key, tmp_path / "a", tmp_path).returncode == 0
    serve(stand_in, forked, 4)  # the other witness is shown the fork
    assert cosign(script, stand_in, key, tmp_path / "b", tmp_path).returncode == 0
    serve(stand_in, honest, 6, proofs=[(4, honest.proof(4, 6))])
    assert cosign(script, stand_in, key, tmp_path / "c", tmp_path).returncode == 0

    same = run(script, "compare", str(tmp_path / "a"), str(tmp_path / "c"), "--site-key", public_key_b64(), cwd=tmp_path)
    assert same.returncode == 0 and "未发现分叉视图" in same.stdout
    out = tmp_path / "split.json"
    split = run(script, "compare", str(tmp_path / "a"), str(tmp_path / "b" / "heads.json"), str(tmp_path / "c"),
                "--site-key", public_key_b64(), "--out", str(out), cwd=tmp_path)
    assert split.returncode == 1 and "size 4 has 2 roots" in split.stdout
    assert honest.head(4)["root_hash"] in split.stdout and forked.head(4)["root_hash"] in split.stdout
    assert json.loads(out.read_text())["conflicts"][0]["size"] == 4
    # A head whose signature does not verify is no evidence against the fund, and is not counted.
    fake = tmp_path / "fake.json"
    fake.write_text(json.dumps([{**honest.head(4), "root_hash": "1" * 64}]))
    checked = run(script, "compare", str(tmp_path / "a"), str(fake), "--site-key", public_key_b64(), cwd=tmp_path)
    assert checked.returncode == 0


def test_the_module_imports_inside_the_site_too():
    assert witness.verify_log is verify_log
    heads = [{"origin": "o", "size": 2, "root_hash": "a" * 64}, {"origin": "o", "size": 2, "root_hash": "b" * 64},
             {"origin": "o", "size": 3, "root_hash": "c" * 64}]
    assert [c["size"] for c in witness.split_views(heads)] == [2]


# --- the site: receiving cosignatures ----------------------------------------------------------------


@pytest.fixture
def heads(post):
    for i in range(3):
        post(EntryKind.DONATION, f"{i + 1}.00", source=EntrySource.DONATION, source_ref=f"W{i}")
    return TreeHead.objects.order_by("size")


@pytest.fixture
def registered(db):
    seed, public = seed_and_key()
    return Witness.objects.create(name=NAME, public_key=public, description="本市日报社"), seed


def cosignature_body(head, seed, *, name=NAME, cosigned_at=None, **changes):
    cosigned_at = cosigned_at or format_recorded_at(timezone.now())
    signed = head_json(head)
    body = {"witness_key_id": verify_log.key_id(witness.ed25519_public_key(seed)), "size": head.size,
            "root_hash": head.root_hash, "timestamp": signed["timestamp"], "cosigned_at": cosigned_at,
            "signature": base64.b64encode(witness.ed25519_sign(
                seed, verify_log.cosignature_message(name, cosigned_at, signed))).decode()}
    body.update(changes)
    return body


def send(client, body, **kwargs):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/fund/log/cosignatures", data=data, content_type=kwargs.pop("content_type", "application/json"),
                       **kwargs)


pytestmark = pytest.mark.django_db


def test_a_valid_cosignature_is_stored_once_and_listed(client, heads, registered):
    witness_row, seed = registered
    head = heads.last()
    body = cosignature_body(head, seed)
    first = send(client, body)
    assert first.status_code == 201, first.content
    assert first.json()["witness_name"] == NAME and first.json()["size"] == head.size
    replay = send(client, body)
    assert replay.status_code == 200 and replay.json() == first.json()
    assert Cosignature.objects.count() == 1
    listed = client.get(f"/fund/log/heads/{head.size}/cosignatures").json()
    assert listed["cosignatures"] == [first.json()]
    assert client.get("/fund/log/heads/99/cosignatures").status_code == 404
    # What the site stores is checkable by anyone from the public listing alone.
    public = client.get("/fund/log/witnesses").json()["witnesses"][0]
    assert "contact" not in public and public["latest"]["size"] == head.size
    assert verify_log.ed25519_verify(base64.b64decode(public["public_key"]), verify_log.cosignature_message(
        public["name"], listed["cosignatures"][0]["cosigned_at"], head_json(head)),
        base64.b64decode(listed["cosignatures"][0]["signature"]))


def _other_seed_body(head, seed):
    return cosignature_body(head, os.urandom(32), witness_key_id=cosignature_body(head, seed)["witness_key_id"])


@pytest.mark.parametrize("case, status, message", [
    ("unknown witness", 403, "没有登记"),
    ("inactive witness", 403, "已停用"),
    ("signed by another key", 400, "签名不能用"),
    ("signed under another name", 400, "签名不能用"),
    ("size never published", 404, "没有发布过"),
    ("another root for a published size", 409, "root_hash 不一致"),
    ("another timestamp", 409, "timestamp 不一致"),
    ("malformed signature", 400, "base64"),
    ("malformed time", 400, "YYYY-MM-DDTHH:MM:SSZ"),
    ("cosigned long before the head", 400, "早于"),
    ("malformed JSON", 400, "不是有效的 JSON"),
    ("invalid UTF-8", 400, "不是有效的 JSON"),
    ("a JSON list", 400, "JSON 对象"),
    ("a string for a number", 422, "size"),
    ("control character", 422, "控制字符"),
    ("missing field", 422, "缺少"),
    ("oversized body", 413, "过大"),
    ("form body", 415, "JSON"),
])
def test_a_bad_cosignature_gets_a_clear_error_and_changes_nothing(client, heads, registered, case, status, message):
    witness_row, seed = registered
    head = heads.last()
    kwargs = {}
    body = {
        "unknown witness": lambda: cosignature_body(head, os.urandom(32)),
        "inactive witness": lambda: cosignature_body(head, seed),
        "signed by another key": lambda: _other_seed_body(head, seed),
        "signed under another name": lambda: cosignature_body(head, seed, name="晋阳晚报"),
        "size never published": lambda: cosignature_body(head, seed, size=99),
        "another root for a published size": lambda: cosignature_body(head, seed, root_hash="0" * 64),
        "another timestamp": lambda: cosignature_body(head, seed, timestamp="2020-01-01T00:00:00Z"),
        "malformed signature": lambda: cosignature_body(head, seed, signature="不是签名"),
        "malformed time": lambda: cosignature_body(head, seed, cosigned_at="2026-13-01 00:00"),
        "cosigned long before the head": lambda: cosignature_body(head, seed, cosigned_at="2001-01-01T00:00:00Z"),
        "malformed JSON": lambda: '{"size": 3,',
        "invalid UTF-8": lambda: b'{"size": "\xff"}',
        "a JSON list": lambda: "[1, 2]",
        "a string for a number": lambda: cosignature_body(head, seed, size="三"),
        "control character": lambda: cosignature_body(head, seed, witness_key_id="\u0000" * 16),
        "missing field": lambda: {k: v for k, v in cosignature_body(head, seed).items() if k != "signature"},
        "oversized body": lambda: {**cosignature_body(head, seed), "padding": "x" * 5000},
        "form body": lambda: "size=3",
    }[case]()
    if case == "inactive witness":
        witness_row.active = False
        witness_row.save()
    if case == "form body":
        kwargs["content_type"] = "application/x-www-form-urlencoded"
    response = send(client, body, **kwargs)
    assert response.status_code == status, (case, response.status_code, response.content)
    detail = response.json()["detail"]
    assert message in json.dumps(detail, ensure_ascii=False), (case, detail)
    assert Cosignature.objects.count() == 0


def test_a_second_different_cosignature_of_one_head_keeps_the_first(client, heads, registered):
    _, seed = registered
    head = heads.last()
    assert send(client, cosignature_body(head, seed, cosigned_at=format_recorded_at(head.timestamp))).status_code == 201
    later = cosignature_body(head, seed, cosigned_at=format_recorded_at(head.timestamp + timedelta(minutes=5)))
    response = send(client, later)
    assert response.status_code == 409 and "保留先前的联署" in response.json()["detail"]
    assert Cosignature.objects.count() == 1


def test_cosignatures_are_rate_limited_per_client(client, heads, registered):
    _, seed = registered
    body = cosignature_body(heads.last(), seed)
    # The limit counts per minute: hold the clock still so the 61 requests share one window.
    with time_machine.travel(time.time(), tick=False):
        statuses = [send(client, body).status_code for _ in range(61)]
    assert statuses[0] == 201 and set(statuses[1:60]) == {200} and statuses[60] == 429


def test_cosignatures_and_witnesses_are_append_only(heads, registered):
    witness_row, seed = registered
    head = heads.last()
    from ledger.services import cosignature_record

    record, created = cosignature_record(**cosignature_body(head, seed))
    assert created
    with pytest.raises(LedgerImmutableError):
        record.save()
    with pytest.raises(LedgerImmutableError):
        Cosignature.objects.all().delete()
    with pytest.raises(LedgerImmutableError):
        witness_row.delete()
    witness_row.name = "改名"
    with pytest.raises(LedgerImmutableError):
        witness_row.save()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
@pytest.mark.parametrize("sql", [
    "UPDATE ledger_cosignature SET signature = 'x'",
    "DELETE FROM ledger_cosignature",
    "UPDATE ledger_witness SET name = 'x'",
    "UPDATE ledger_witness SET public_key = 'x'",
    "DELETE FROM ledger_witness",
])
def test_postgresql_refuses_to_change_a_cosignature_or_a_witness_identity(heads, registered, sql):
    from ledger.services import cosignature_record

    cosignature_record(**cosignature_body(heads.last(), registered[1]))
    with pytest.raises(DatabaseError, match="refused"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    with connection.cursor() as cursor:  # deactivating is an ordinary change
        cursor.execute("UPDATE ledger_witness SET active = false")


def test_the_log_page_shows_witnesses_and_their_latest_cosignature(client, heads, registered):
    from ledger.services import cosignature_record

    witness_row, seed = registered
    Witness.objects.create(name="晋阳审计所", public_key=seed_and_key()[1], contact="13800000000")
    for head in heads:
        cosignature_record(**cosignature_body(head, seed))
    page = client.get("/fund/log/").content.decode()
    assert NAME in page and witness_row.key_id in page and witness_row.public_key in page and "本市日报社" in page
    assert "晋阳审计所" in page and "尚未联署" in page and "13800000000" not in page
    section = page[page.index('id="witness-heading"'):]
    assert f'<td class="num">{heads.last().size}</td>' in section
    assert client.get("/fund/log/witness.py").content == (LEDGER_DIR / "witness.py").read_bytes()


# --- the admin registry ------------------------------------------------------------------------------

ADD_URL = "/admin/ledger_witnesses/new/"


@pytest.fixture
def finance_user(db):
    user = User.objects.create_user("caiwu", "caiwu@example.cn", "pw")
    user.groups.add(Group.objects.get(name=FINANCE_GROUP))
    return user


@pytest.fixture
def editor_user(db):
    user = User.objects.create_user("bianji", "bianji@example.cn", "pw")
    user.groups.add(Group.objects.filter(name__in=["编辑", "Editors"]).get())
    return user


def test_anonymous_and_editors_cannot_register_witnesses(client, editor_user):
    form = {"name": NAME, "public_key": seed_and_key()[1], "active": "on"}
    response = client.post(ADD_URL, form)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(editor_user)
    assert client.get(ADD_URL).status_code in (302, 403)
    assert client.post(ADD_URL, form).status_code in (302, 403)
    assert client.get("/admin/ledger_witnesses/").status_code in (302, 403)
    assert not Witness.objects.exists()


def test_finance_registers_and_deactivates_a_witness_and_every_change_is_logged(client, finance_user):
    client.force_login(finance_user)
    assert client.get(ADD_URL).status_code == 200
    _, public = seed_and_key()
    response = client.post(ADD_URL, {"name": NAME, "public_key": public, "description": "日报社", "active": "on"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    registered = Witness.objects.get()
    assert registered.key_id == verify_log.key_id(base64.b64decode(public))

    # Deactivating works; the name and key cannot be changed, even by a hand-made POST.
    response = client.post(f"/admin/ledger_witnesses/edit/{registered.pk}/",
                           {"name": "改名", "public_key": seed_and_key()[1], "description": "日报社"})
    assert response.status_code == 302
    registered.refresh_from_db()
    assert not registered.active and registered.name == NAME and registered.public_key == public
    actions = list(ModelLogEntry.objects.filter(object_id=str(registered.pk)).order_by("timestamp")
                   .values_list("action", "user_id"))
    assert actions == [("wagtail.create", finance_user.pk), ("wagtail.edit", finance_user.pk)]
    assert client.get(f"/admin/ledger_witnesses/history/{registered.pk}/").status_code == 200
    assert client.get(f"/admin/ledger_witnesses/delete/{registered.pk}/").status_code == 404
    assert client.get("/admin/ledger_cosignatures/").status_code == 200
    assert not Permission.objects.filter(codename__in=["delete_witness", "change_cosignature"]).exists()


@pytest.mark.parametrize("public_key, message", [
    ("not base64!", "base64"),
    (base64.b64encode(b"short").decode(), "32 字节"),
])
def test_the_admin_refuses_a_bad_key_and_registers_nothing(client, finance_user, public_key, message):
    client.force_login(finance_user)
    response = client.post(ADD_URL, {"name": NAME, "public_key": public_key, "active": "on"})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Witness.objects.exists()
