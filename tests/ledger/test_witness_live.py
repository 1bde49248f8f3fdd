"""A witness co-signs a running site: the command in a subprocess, as a newspaper would run it from cron."""

import importlib
import json
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from ledger.models import Cosignature, EntryKind, EntrySource, TreeHead, Witness
from ledger.services import entry_record
from ledger.signing import public_key_b64
from tests.ledger.test_witness import NAME, install, keygen, run


@pytest.fixture
def site(transactional_db, live_server):
    """A live site whose database holds what migrations create (a transactional test elsewhere may flush it)."""
    importlib.import_module("ledger.migrations.0002_finance_group_and_chain_head").create_finance_group(apps, None)
    importlib.import_module("ledger.migrations.0010_witnesses").grant(apps, None)
    return live_server


def record(n, start=0):
    for i in range(start, start + n):
        entry_record(kind=EntryKind.DONATION, amount=Decimal(f"{i + 1}.00"), occurred_on=date(2021, 6, 1), memo="测试",
                     source=EntrySource.DONATION, source_ref=f"L{i}")


def test_a_witness_cosigns_the_live_site_and_then_its_extension(site, tmp_path):
    script = install(tmp_path)
    key, public = keygen(script, tmp_path)
    witness = Witness.objects.create(name=NAME, public_key=public)
    record(3)
    state = tmp_path / "state"
    args = ["cosign", site.url, "--site-key", public_key_b64(), "--name", NAME, "--key", str(key),
            "--state", str(state), "--post"]

    first = run(script, *args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "网站已收下联署" in first.stdout
    assert list(Cosignature.objects.values_list("witness_id", "head__size")) == [(witness.pk, 3)]

    record(4, start=3)  # the log grows; the next run proves 7 extends 3 before co-signing
    second = run(script, *args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert sorted(Cosignature.objects.values_list("head__size", flat=True)) == [3, 7]
    saved = json.loads((state / "heads.json").read_text())
    assert saved["cosigned"] == 7 and {"3", "7"} <= set(saved["heads"])
    assert saved["heads"]["3"]["root_hash"] == TreeHead.objects.get(size=3).root_hash

    again = run(script, *args, cwd=tmp_path)  # nothing new: the same cosignature, accepted as a replay
    assert again.returncode == 0 and "(200)" in again.stdout and Cosignature.objects.count() == 2
    assert run(script, "compare", str(state), "--site-key", public_key_b64(), cwd=tmp_path).returncode == 0


def test_the_site_refuses_a_witness_it_has_not_registered(site, tmp_path):
    script = install(tmp_path)
    key, _ = keygen(script, tmp_path)
    record(2)
    result = run(script, "cosign", site.url, "--site-key", public_key_b64(), "--name", NAME, "--key", str(key),
                 "--state", str(tmp_path / "state"), "--post", cwd=tmp_path)
    assert result.returncode == 2 and "(403)" in result.stderr and "没有登记" in result.stderr
    assert not Cosignature.objects.exists()
