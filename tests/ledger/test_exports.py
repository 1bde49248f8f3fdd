"""Public downloads and the standalone verifier: a fresh export passes, a tampered one fails."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from ledger.models import EntryKind, EntrySource

pytestmark = pytest.mark.django_db
VERIFIER = Path(settings.BASE_DIR) / "ledger" / "verify_export.py"


@pytest.fixture
def entries(post, project):
    post(EntryKind.GRANT_APPROVAL, "5000.00", project_id=project.id, memo="批准，含 \"引号\"、逗号,与换行\n第二行")
    post(EntryKind.DISBURSEMENT, "1200.50", project_id=project.id, memo="第一笔拨付")
    donation = post(EntryKind.DONATION, "88.00", source=EntrySource.DONATION, source_ref="D1")
    post(EntryKind.CORRECTION, "88.00", reverses=donation, memo="重复入账，冲销")
    post(EntryKind.DONATION, "12.34", source=EntrySource.DONATION, source_ref="D2", occurred_on=__import__("datetime").date(2020, 3, 1))


def _download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def _run_verifier(path, *args):
    # A bare interpreter with no site-packages and no Django settings: the script must stand alone.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(VERIFIER), str(path), *args],
        capture_output=True, text=True, timeout=60, env={}, check=False,
    )


def test_verifier_needs_no_django():
    source = VERIFIER.read_text(encoding="utf-8")
    assert "django" not in source.lower().replace("without django", "").replace("no django", "")


def test_fresh_json_export_verifies_with_the_head_hash(client, entries, tmp_path):
    document = json.loads(_download(client, "/fund/ledger.json"))
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = _run_verifier(path, "--head", document["head"]["entry_hash"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK 5 entries")


def test_fresh_csv_export_verifies(client, entries, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(_download(client, "/fund/ledger.csv"), encoding="utf-8")
    result = _run_verifier(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_year_extract_verifies_as_an_extract(client, entries, tmp_path):
    document = json.loads(_download(client, "/fund/ledger.json?year=2021"))
    assert [entry["id"] for entry in document["entries"]] == [1, 2, 3, 4]
    path = tmp_path / "ledger-2021.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert _run_verifier(path).returncode == 0


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (lambda doc: doc["entries"][1].update(amount="1300.50"), "entry 2: content does not match"),
        (lambda doc: doc["entries"][0].update(memo="改过的摘要"), "entry 1: content does not match"),
        (lambda doc: doc["entries"].pop(2), "entry 3: entry 3 missing"),
        (lambda doc: doc["entries"][3].update(project_id=7), "entry 4: content does not match"),
    ],
    ids=["amount", "memo", "deleted", "project"],
)
def test_tampered_json_export_is_rejected_and_names_the_entry(client, entries, tmp_path, tamper, named):
    document = json.loads(_download(client, "/fund/ledger.json"))
    tamper(document)
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = _run_verifier(path)
    assert result.returncode == 1
    assert named in result.stdout


def test_export_cut_short_is_rejected_against_the_published_head(client, entries, tmp_path):
    document = json.loads(_download(client, "/fund/ledger.json"))
    head = document["head"]["entry_hash"]
    document["entries"].pop()
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert _run_verifier(path).returncode == 0
    result = _run_verifier(path, "--head", head)
    assert result.returncode == 1 and "head hash" in result.stdout


def test_tampered_csv_export_is_rejected(client, entries, tmp_path):
    rows = list(csv.DictReader(io.StringIO(_download(client, "/fund/ledger.csv").lstrip("\ufeff"))))
    rows[4]["amount"] = "21.34"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "ledger.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = _run_verifier(path)
    assert result.returncode == 1 and "entry 5" in result.stdout


def test_export_carries_reader_fields_and_schema(client, entries, project):
    document = json.loads(_download(client, "/fund/ledger.json"))
    first = document["entries"][0]
    assert document["schema_version"] == 1 and document["currency"] == "CNY"
    assert first["amount"] == "5000.00" and first["project_title"] == project.title
    assert first["kind_label"] == "资助批准"
    assert document["entries"][3]["reverses_id"] == 3


@pytest.mark.parametrize("year", ["abc", "1999", "20211"])
def test_download_with_a_bad_year_is_refused(client, year):
    response = client.get(f"/fund/ledger.json?year={year}")
    assert response.status_code == 400
    assert "year 应为 2000–2100 之间的整数" in response.content.decode()


def test_public_verify_page_reports_an_intact_chain(client, entries):
    response = client.get("/fund/verify/?format=json")
    assert response.json()["ok"] is True and response.json()["checked"] == 5
    assert "哈希链完好" in client.get("/fund/verify/").content.decode()


def test_public_verify_page_names_a_tampered_entry(client, entries):
    from tests.ledger.tampering import TABLE, raw_sql

    raw_sql(f"UPDATE {TABLE} SET memo = 'x' WHERE id = 2")  # noqa: S608
    page = client.get("/fund/verify/").content.decode()
    assert "核验未通过" in page and "记录 #2" in page


def test_project_extract_holds_only_that_project_and_verifies(client, entries, project, tmp_path):
    document = json.loads(_download(client, f"/fund/ledger.json?project={project.id}"))
    assert [entry["id"] for entry in document["entries"]] == [1, 2]
    path = tmp_path / "project.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert _run_verifier(path).returncode == 0
    assert client.get("/fund/ledger.csv?project=x").status_code == 400
