"""The transparency log over HTTP: what the verifier reads, and what bad requests get."""

import base64

import pytest

from ledger.models import EntryKind, EntrySource
from ledger.verify_log import head_problems, leaf_hash, verify_consistency, verify_inclusion

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(post):
    return [post(EntryKind.DONATION, f"{i + 1}.00", source=EntrySource.DONATION, source_ref=f"A{i}") for i in range(9)]


def _key(client):
    return base64.b64decode(client.get("/fund/log/key").json()["public_key"])


def test_latest_head_and_heads_at_earlier_sizes_are_signed(client, entries):
    key = _key(client)
    head = client.get("/fund/log/head").json()
    assert head["size"] == 9 and head_problems(head, key) == []
    for size in (0, 1, 5, 9):
        earlier = client.get(f"/fund/log/heads/{size}").json()
        assert earlier["size"] == size and head_problems(earlier, key) == []
    listing = client.get("/fund/log/heads?limit=4").json()
    assert [h["size"] for h in listing["heads"]] == [9, 8, 7, 6] and listing["next_before"] == 6
    assert [h["size"] for h in client.get("/fund/log/heads?before=3").json()["heads"]] == [2, 1]


def test_an_inclusion_proof_for_every_entry_verifies_against_its_signed_head(client, entries):
    key = _key(client)
    for entry in entries:
        for size in (entry.id, 9):
            body = client.get(f"/fund/log/proof/inclusion?entry={entry.id}&size={size}").json()
            assert head_problems(body["head"], key) == []
            leaf = body["leaf"]
            assert leaf_hash(leaf["data"].encode()).hex() == leaf["leaf_hash"]
            assert verify_inclusion(bytes.fromhex(leaf["leaf_hash"]), leaf["index"], body["head"]["size"],
                                    [bytes.fromhex(p) for p in body["proof"]], bytes.fromhex(body["head"]["root_hash"]))


def test_consistency_proofs_between_sizes_verify(client, entries):
    for first in range(0, 10):
        body = client.get(f"/fund/log/proof/consistency?first={first}&second=9").json()
        assert verify_consistency(first, 9, [bytes.fromhex(p) for p in body["proof"]],
                                  bytes.fromhex(body["first_head"]["root_hash"]),
                                  bytes.fromhex(body["second_head"]["root_hash"]))
    assert client.get("/fund/log/proof/consistency?first=4").json()["second"] == 9


@pytest.mark.parametrize("url, status", [
    ("/fund/log/heads/10", 404),                       # past the log
    ("/fund/log/heads/-1", 422),                       # negative size
    ("/fund/log/heads/1e3", 422),                      # not an integer
    ("/fund/log/heads/９", 422),                        # full-width digit
    ("/fund/log/entries/0", 422),                      # entries count from 1
    ("/fund/log/entries/10", 404),
    ("/fund/log/proof/inclusion", 422),                # entry missing
    ("/fund/log/proof/inclusion?entry=5&size=3", 422),  # entry not in a tree that small
    ("/fund/log/proof/inclusion?entry=5&size=99", 404),
    ("/fund/log/proof/consistency?first=7&second=3", 422),
    ("/fund/log/proof/consistency?first=3&second=99", 404),
    ("/fund/log/proof/consistency?first=" + "9" * 30, 422),
    ("/fund/log/heads?limit=100000", 422),
])
def test_bad_requests_get_a_clear_json_error(client, entries, url, status):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_a_control_character_is_refused_before_the_log_is_read(client, entries):
    response = client.get("/fund/log/proof/inclusion?entry=5%00")
    assert response.status_code == 400 and "5\x00" not in response.content.decode()


def test_an_empty_log_has_no_head_yet(client):
    assert client.get("/fund/log/head").status_code == 404
    assert client.get("/fund/log/heads/0").json()["size"] == 0


def test_the_log_page_shows_the_head_and_key_and_offers_the_verifier(client, entries):
    page = client.get("/fund/log/")
    text = page.content.decode()
    head = client.get("/fund/log/head").json()
    assert page.status_code == 200 and head["root_hash"] in text
    assert client.get("/fund/log/key").json()["public_key"] in text
    verifier = client.get("/fund/log/verify_log.py")
    assert verifier.status_code == 200 and b"def verify_inclusion" in verifier.content
