"""Proof blocks for pages: the same JSON the log API serves, escaped so no value can break out of its data block."""

import base64
import html
import json
import re

import pytest
from django.template.loader import render_to_string

from ledger import selectors
from ledger.signing import public_key_b64
from ledger.verify_log import head_problems, leaf_hash, verify_consistency, verify_inclusion

pytestmark = pytest.mark.django_db

DATA_BLOCK = re.compile(r'<script type="application/json" class="log-proof-data">(.*?)</script>', re.S)


@pytest.fixture
def entries(post):
    return [post("donation", f"{i + 1}.00", source="donation", source_ref=f"B{i}") for i in range(6)]


def _data(rendered):
    blocks = DATA_BLOCK.findall(rendered)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_the_inclusion_block_is_exactly_what_the_api_serves(client, entries):
    block = selectors.inclusion_block(entries[2].id)
    api = client.get(f"/fund/log/proof/inclusion?entry={entries[2].id}&size=6").json()
    assert block["kind"] == "inclusion" and block["data"] == api
    assert block["public_key"] == public_key_b64()
    assert block["url"] == f"/fund/log/proof/inclusion?entry={entries[2].id}&size=6"
    assert client.get(block["url"]).json() == block["data"]


def test_the_inclusion_block_verifies_with_the_standalone_verifier(entries):
    key = base64.b64decode(public_key_b64())
    for entry in entries:
        data = selectors.inclusion_block(entry.id)["data"]
        leaf = data["leaf"]
        assert leaf["index"] == entry.id - 1 and leaf_hash(leaf["data"].encode()).hex() == leaf["leaf_hash"]
        assert head_problems(data["head"], key) == []
        assert verify_inclusion(bytes.fromhex(leaf["leaf_hash"]), leaf["index"], data["head"]["size"],
                                [bytes.fromhex(p) for p in data["proof"]], bytes.fromhex(data["head"]["root_hash"]))


def test_an_entry_outside_the_log_has_no_block(entries):
    assert selectors.inclusion_block(99) is None
    assert selectors.inclusion_block(entries[-1].id, size=entries[-1].id - 1) is None
    assert selectors.consistency_block(4, 99) is None and selectors.consistency_block(5, 4) is None


def test_entries_are_found_by_source_once_they_are_in_the_log(entries):
    assert selectors.entry_id_for_source(kind="donation", source="donation", source_ref="B3") == entries[3].id
    assert selectors.entry_id_for_source(kind="donation", source="donation", source_ref="nope") is None
    assert selectors.entry_id_for_source(kind="refund", source="donation", source_ref="B3") is None
    assert selectors.entry_id_for_source(kind="donation", source="donation", source_ref="") is None


def test_the_first_head_covering_an_entry_never_changes(post, entries):
    first = selectors.entry_first_head(entries[1].id)
    assert first["size"] == entries[1].id
    post("donation", "9.00", source="donation", source_ref="later")
    assert selectors.entry_first_head(entries[1].id) == first
    assert selectors.entry_first_head(99) is None


def test_the_include_renders_the_contract_markup_and_escapes_every_value(post):
    hostile = '</script><script>alert("x")</script>&<!--'
    entry = post("donation", "5.00", memo=hostile, source="donation", source_ref="H1")
    rendered = render_to_string("ledger/includes/log_proof.html", {"block": selectors.inclusion_block(entry.id)})
    assert ('<section class="log-proof" data-kind="inclusion" data-public-key="' + public_key_b64()
            + f'" data-proof-url="/fund/log/proof/inclusion?entry={entry.id}&amp;size={entry.id}">') in rendered
    assert '<button type="button" class="button log-proof-check">在浏览器中核验</button>' in rendered
    assert '<p class="log-proof-result" role="status"></p>' in rendered
    assert "<script>alert" not in rendered and "<!--" not in rendered.split("{% endcomment %}")[-1]
    raw = DATA_BLOCK.findall(rendered)[0]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = _data(rendered)
    assert json.loads(data["leaf"]["data"])["memo"] == hostile  # the bytes hashed are unchanged by the escaping
    assert leaf_hash(data["leaf"]["data"].encode()).hex() == data["leaf"]["leaf_hash"]
    # The human-readable copy is HTML-escaped, and reads back to the same record.
    shown = re.search(r'<pre class="log-proof-code">(.*?)</pre>', rendered, re.S).group(1)
    assert html.unescape(shown) == data["leaf"]["data"]
    assert rendered.count('src="/static/ledger/log-check.js"') == 1 and "defer" in rendered


def test_a_consistency_block_renders_both_heads_and_verifies(entries):
    block = selectors.consistency_block(3, 6)
    rendered = render_to_string("ledger/includes/log_proof.html", {"block": block})
    assert 'data-kind="consistency"' in rendered
    data = _data(rendered)
    key = base64.b64decode(public_key_b64())
    assert data["first"] == 3 and data["second"] == 6
    assert head_problems(data["first_head"], key) == [] and head_problems(data["second_head"], key) == []
    assert verify_consistency(3, 6, [bytes.fromhex(p) for p in data["proof"]],
                              bytes.fromhex(data["first_head"]["root_hash"]),
                              bytes.fromhex(data["second_head"]["root_hash"]))
    assert data["first_head"]["root_hash"] in rendered and data["second_head"]["root_hash"] in rendered
