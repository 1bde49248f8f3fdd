"""Transparency-log benchmarks: proofs generated and verified per second at 10^6 entries.

Run (PostgreSQL, as in production; about two minutes, most of it inserting the nodes):

    DATABASE_URL=postgres://… DJANGO_SETTINGS_MODULE=fundsite.settings.test .venv/bin/python -m pytest \
        benchmarks/bench_log.py -o addopts="" --benchmark-only -s

BENCH_LOG_ENTRIES=100000 gives a quicker run (the default on SQLite). Set-up: the LogNode rows of a 10^6-leaf tree
(every complete subtree, about 2·10^6 rows) are computed by merkle.append_nodes over
synthetic leaves and inserted directly (COPY on PostgreSQL, where bulk_create would take
some six minutes; bulk_create elsewhere). Proof generation reads only LogNode rows, so no
LedgerEntry rows are needed for it; the leaves are SHA-256 of made-up records, which costs
the same as real ones. Every figure is reported as operations per second and as a ratio to a
baseline measured in the same run: one indexed primary-key lookup of a LogNode row (for
proof generation, which is a database read) and one SHA-256 of a leaf (for verification,
which is hashing and, for heads, an Ed25519 check).
"""

import os
import random
import time

import pytest
from django.db import connection

from ledger import merkle, selectors
from ledger.models import LogNode
from ledger.verify_log import (
    _ed25519_verify_pure,
    ed25519_public_key,
    ed25519_sign,
    ed25519_verify,
    head_message,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

CHUNK = 50_000
pytestmark = pytest.mark.django_db


def _frontier(size: int, nodes: dict) -> dict:
    """The complete subtrees a tree of ``size`` leaves is made of: all append_nodes reads next."""
    keys = [merkle.node_key(level, (size >> level) - 1) for level in range(48) if (size >> level) & 1]
    return {key: nodes[key] for key in keys}


def _insert(nodes: dict) -> None:
    """LogNode rows as bulk_create would write them; on PostgreSQL by COPY, ten times faster at this size."""
    if connection.vendor != "postgresql":
        LogNode.objects.bulk_create([LogNode(key=key, hash=value) for key, value in nodes.items()], batch_size=5000)
        return
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {LogNode._meta.db_table} (key, hash) FROM STDIN") as copy:
        for row in nodes.items():
            copy.write_row(row)


def build_log(count: int) -> None:
    frontier: dict = {}
    for start in range(0, count, CHUNK):
        leaves = [leaf_hash(f'{{"id":{i + 1},"memo":"基准测试 {i}"}}'.encode()) for i in range(start, min(start + CHUNK, count))]
        nodes = merkle.append_nodes(start, leaves, lambda keys, known=frontier: {k: known[k] for k in keys if k in known})
        _insert(nodes)
        frontier = _frontier(start + len(leaves), {**frontier, **nodes})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ledger_lognode")


def rate(function, seconds=2.0, minimum=20) -> float:
    """Calls per second of ``function()``, over at least ``seconds`` and ``minimum`` calls."""
    calls, started = 0, time.perf_counter()
    while True:
        function()
        calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and calls >= minimum:
            return calls / elapsed


def test_proofs_at_a_million_entries(benchmark):
    # 10^6 on PostgreSQL; elsewhere (SQLite, bulk_create) 10^5 keeps `make bench` to minutes.
    n = int(os.environ.get("BENCH_LOG_ENTRIES") or (1_000_000 if connection.vendor == "postgresql" else 100_000))
    started = time.perf_counter()
    build_log(n)
    build_seconds = time.perf_counter() - started
    pick = random.Random(10).randrange
    root = selectors.log_root(n)
    keys = [merkle.node_key(0, pick(n)) for _ in range(1000)]

    # Baselines, same run.
    lookup = rate(lambda: LogNode.objects.filter(key=keys[pick(1000)]).values_list("hash", flat=True).first())
    sample_leaf = ('{"amount":"12.34","id":123456,"kind":"donation","memo":"基准测试记录",' + '"x":"' + "0" * 200 + '"}').encode()
    sha = rate(lambda: leaf_hash(sample_leaf), seconds=1, minimum=10_000)

    # Generation through the selectors the API calls (one query each).
    benchmark.pedantic(lambda: selectors.inclusion_proof(pick(n), n), rounds=200, iterations=1)
    inclusion_gen = rate(lambda: selectors.inclusion_proof(pick(n), n))
    consistency_gen = rate(lambda: selectors.consistency_proof(1 + pick(n - 1), n))

    # Verification of proofs for the same tree, as the verifier does it.
    cases = []
    for _ in range(200):
        index = pick(n)
        cases.append((index, [bytes.fromhex(p) for p in selectors.inclusion_proof(index, n)]))
    leaves = {index: bytes(LogNode.objects.get(key=merkle.node_key(0, index)).hash) for index, _ in cases}
    assert all(verify_inclusion(leaves[i], i, n, proof, root) for i, proof in cases)
    firsts = [1 + pick(n - 1) for _ in range(50)]
    consistency = [(m, [bytes.fromhex(p) for p in selectors.consistency_proof(m, n)], selectors.log_root(m)) for m in firsts]
    assert all(verify_consistency(m, n, proof, r, root) for m, proof, r in consistency)
    inclusion_ver = rate(lambda: _verify_one(cases, leaves, n, root, pick))
    consistency_ver = rate(lambda: _verify_consistency_one(consistency, n, root, pick))

    # Head checks: the cryptography package against this file's pure-Python Ed25519.
    seed = bytes(range(32))
    public = ed25519_public_key(seed)
    message = head_message("zhiyuan-taiyuan/fund-ledger", n, root.hex(), "2026-01-01T00:00:00Z")
    signature = ed25519_sign(seed, message)
    assert ed25519_verify(public, message, signature) and _ed25519_verify_pure(public, message, signature)
    head_fast = rate(lambda: ed25519_verify(public, message, signature))
    head_pure = rate(lambda: _ed25519_verify_pure(public, message, signature))

    proof_length = len(cases[0][1])
    rows = [
        ("baseline: indexed primary-key lookup of one LogNode", lookup, lookup, "lookup"),
        ("baseline: SHA-256 of one leaf", sha, sha, "sha"),
        ("inclusion proof generated (selectors, PostgreSQL)" if connection.vendor == "postgresql"
         else "inclusion proof generated (selectors)", inclusion_gen, lookup, "lookup"),
        ("consistency proof generated (selectors)", consistency_gen, lookup, "lookup"),
        (f"inclusion proof verified (~{proof_length} hashes)", inclusion_ver, sha, "sha"),
        ("consistency proof verified", consistency_ver, sha, "sha"),
        ("signed head verified, cryptography (OpenSSL)", head_fast, sha, "sha"),
        ("signed head verified, pure-Python Ed25519", head_pure, sha, "sha"),
    ]
    print(f"\n{connection.vendor}: {n:,} leaves, {LogNode.objects.count():,} LogNode rows, built in {build_seconds:.0f} s")
    for name, per_second, base, base_name in rows:
        print(f"  {name:<55} {per_second:>12,.0f}/s   {per_second / base:8.4f} × {base_name}")
    benchmark.extra_info.update({name: round(per_second / base, 5) for name, per_second, base, _ in rows})


def _verify_one(cases, leaves, n, root, pick):
    index, proof = cases[pick(len(cases))]
    return verify_inclusion(leaves[index], index, n, proof, root)


def _verify_consistency_one(consistency, n, root, pick):
    m, proof, first_root = consistency[pick(len(consistency))]
    return verify_consistency(m, n, proof, first_root, root)
