"""Annual reports pin the signed tree head their ledger figures were computed at.

A report pins the head current at publication; entries appended later leave its figures and its
head as they were; a later report carries a consistency proof from the earlier report's head
that the standalone verifier accepts; a pin or a log changed behind the page's back is flagged;
nobody edits a pin, and the yearly figures download names the head it was computed at.
"""

import base64
import csv
import html as html_lib
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.utils import DatabaseError

from cms_pages.heads import HeadPinError, report_head_pin
from cms_pages.models import AnnualReportPage, HeadPinImmutableError, PublishedFigure, ReportHeadPin
from ledger.models import EntryKind, TreeHead
from ledger.selectors import latest_head
from ledger.services import entry_record
from ledger.signing import public_key_bytes
from ledger.verify_log import head_problems, verify_consistency
from tests.cms_pages.test_figure_corrections import edit_data, user_in

pytestmark = pytest.mark.django_db


def post(amount, *, kind=EntryKind.DONATION, occurred_on=date(2030, 6, 1)):
    return entry_record(kind=kind, amount=Decimal(amount), occurred_on=occurred_on, memo="测试记录")


def make_report(index, year, raised="100.00"):
    page = AnnualReportPage(title=f"{year} 年度工作报告", slug=str(year), year=year)
    page.published_figures.add(PublishedFigure(key="raised", label="年度募集资金", amount=Decimal(raised)))
    page.published_figures.add(PublishedFigure(key="projects", label="立项项目", count=7))
    index.add_child(instance=page)
    page.save_revision().publish()
    return AnnualReportPage.objects.get(pk=page.pk)


def raw_sql(statement, params=()):
    """Raw SQL as someone with full database rights would run it, past the PostgreSQL triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def page_html(client, report):
    response = client.get(report.url)
    assert response.status_code == 200
    return response.content.decode()


def proof_blocks(html):
    """Each browser proof block on a page: its kind, public key and JSON data."""
    blocks = []
    for match in re.finditer(
        r'<section class="log-proof" data-kind="([a-z]+)" data-public-key="([^"]*)"[^>]*>.*?'
        r'<script type="application/json" class="log-proof-data">(.*?)</script>.*?'
        r'<button type="button" class="[^"]*log-proof-check">在浏览器中核验</button>.*?'
        r'<p class="log-proof-result" role="status"></p>\s*</section>', html, re.S,
    ):
        blocks.append({"kind": match[1], "public_key": html_lib.unescape(match[2]), "data": json.loads(match[3])})
    return blocks


@pytest.fixture
def two_reports(disclosure_index):
    """2030 published after three entries, 2031 after two more: the later report extends the earlier."""
    for amount in ("40.00", "50.00", "10.00"):
        post(amount)
    earlier = make_report(disclosure_index, 2030)
    post("7.00", occurred_on=date(2031, 3, 1))
    post("8.00", occurred_on=date(2031, 4, 1))
    later = make_report(disclosure_index, 2031, raised="15.00")
    return earlier, later


# --- pinning at publication ---------------------------------------------------------------------


def test_a_report_pins_the_signed_head_current_at_publication(disclosure_index):
    post("40.00")
    post("60.00")
    report = make_report(disclosure_index, 2030)
    pin = ReportHeadPin.objects.get(page=report)
    head = latest_head()
    assert (pin.size, pin.root_hash, pin.signature, pin.key_id) == (2, head.root_hash, head.signature, head.key_id)
    assert head_problems(pin.head, public_key_bytes()) == []


def test_a_report_published_before_any_entry_pins_nothing_and_says_so(client, disclosure_index):
    report = make_report(disclosure_index, 2030)
    assert not ReportHeadPin.objects.filter(page=report).exists()
    assert "没有锁定树头" in page_html(client, report)


def test_later_entries_leave_the_pinned_head_and_figures_as_published(client, disclosure_index):
    post("40.00")
    post("60.00")
    report = make_report(disclosure_index, 2030)
    pinned_root = ReportHeadPin.objects.get(page=report).root_hash
    post("900.00")  # dated in the report's own year, appended after publication
    html = page_html(client, report)
    assert pinned_root in html and 'href="/fund/log/heads/2"' in html
    assert latest_head().root_hash not in html
    # Computed from the two pinned entries only: 100.00, matching the published figure.
    assert "1,000.00" not in html and "一致" in html
    assert "/fund/2030/figures.json?size=2" in html
    assert "锁定的树头与日志不符" not in html


def test_republishing_pins_a_new_head_and_keeps_the_old_pin_in_the_history(client, disclosure_index):
    post("40.00")
    report = make_report(disclosure_index, 2030)
    post("60.00")
    page = AnnualReportPage.objects.get(pk=report.pk)
    page.summary = "补充说明。"
    page.save_revision().publish()
    pins = list(ReportHeadPin.objects.filter(page=report).order_by("pk").values_list("size", flat=True))
    assert pins == [1, 2]
    html = page_html(client, report)
    assert "此前锁定的树头" in html and "/fund/log/proof/consistency?first=1&amp;second=2" in html


def test_republishing_at_the_same_head_records_nothing_new(disclosure_index):
    post("40.00")
    report = make_report(disclosure_index, 2030)
    page = AnnualReportPage.objects.get(pk=report.pk)
    page.summary = "补充说明。"
    page.save_revision().publish()
    assert ReportHeadPin.objects.filter(page=report).count() == 1


def test_pinning_a_size_past_the_log_is_refused_and_records_nothing(disclosure_index):
    post("40.00")
    report = make_report(disclosure_index, 2030)
    with pytest.raises(HeadPinError, match="没有规模为 5 的树头"):
        report_head_pin(report=report, size=5)
    assert ReportHeadPin.objects.filter(page=report).count() == 1


# --- the consistency proof between reports ------------------------------------------------------


def test_a_later_report_proves_it_extends_the_earlier_one(client, two_reports):
    earlier, later = two_reports
    html = page_html(client, later)
    assert "与 2030 年度报告的一致性证明" in html and "一条未改、未删" in html
    [block] = proof_blocks(html)
    assert block["kind"] == "consistency"
    assert base64.b64decode(block["public_key"]) == public_key_bytes()
    # Exactly what the log API answers for the two pinned sizes.
    assert block["data"] == client.get("/fund/log/proof/consistency?first=3&second=5").json()
    data = block["data"]
    assert (data["first_head"]["root_hash"], data["second_head"]["root_hash"]) == (
        ReportHeadPin.objects.get(page=earlier).root_hash, ReportHeadPin.objects.get(page=later).root_hash)
    assert verify_consistency(3, 5, [bytes.fromhex(h) for h in data["proof"]],
                              bytes.fromhex(data["first_head"]["root_hash"]),
                              bytes.fromhex(data["second_head"]["root_hash"]))
    assert head_problems(data["first_head"], public_key_bytes()) == []
    assert head_problems(data["second_head"], public_key_bytes()) == []
    assert "一致性证明不能" not in html and "被改写" not in html


def test_the_standalone_verifier_accepts_the_pages_proof_and_refuses_it_altered(two_reports, client, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    import ledger.verify_log

    [block] = proof_blocks(page_html(client, two_reports[1]))
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(block["data"]))
    altered = json.loads(json.dumps(block["data"]))
    altered["proof"][0] = "00" * 32
    bad.write_text(json.dumps(altered))
    # As a citizen runs it: the downloaded file alone, away from this code base.
    verifier = tmp_path / "verify_log.py"
    verifier.write_bytes(Path(ledger.verify_log.__file__).read_bytes())
    runs = [subprocess.run([sys.executable, str(verifier), "consistency", str(path), "--key", block["public_key"]],  # noqa: S603
                           capture_output=True, text=True, timeout=60, cwd=tmp_path) for path in (good, bad)]
    assert [run.returncode for run in runs] == [0, 1], [run.stdout + run.stderr for run in runs]


def test_the_first_report_has_no_proof_block(client, two_reports):
    earlier, _ = two_reports
    assert proof_blocks(page_html(client, earlier)) == []


def test_the_later_reports_page_still_proves_consistency_after_more_entries(client, two_reports):
    _, later = two_reports
    post("1.00", occurred_on=date(2031, 5, 1))
    [block] = proof_blocks(page_html(client, later))
    assert (block["data"]["first"], block["data"]["second"]) == (3, 5)


# --- tampering ----------------------------------------------------------------------------------


def test_a_pin_changed_in_the_database_is_flagged(client, two_reports):
    _, later = two_reports
    raw_sql("UPDATE cms_pages_reportheadpin SET root_hash = %s WHERE page_id = %s", ["ab" * 32, later.pk])
    html = page_html(client, later)
    assert "锁定的树头与日志不符" in html
    assert "签名无法用基金公钥核验" in html and "被改写" in html


def test_a_rewritten_history_under_a_pin_is_flagged(client, two_reports):
    earlier, later = two_reports
    # The subtree over the first two entries rewritten: the log's root at 3 entries is no longer
    # the one the 2030 report pinned, and the proof from 3 to 5 no longer joins the two pins.
    raw_sql('UPDATE ledger_lognode SET hash = %s WHERE "key" = %s',
            [b"\x01" * 32, 1 << 48])
    assert "报告所依据的账本历史被改写了" in page_html(client, earlier)
    html = page_html(client, later)
    assert "一致性证明不能把两份报告锁定的树头连起来" in html
    [block] = proof_blocks(html)
    data = block["data"]
    assert not verify_consistency(3, 5, [bytes.fromhex(h) for h in data["proof"]],
                                  bytes.fromhex(data["first_head"]["root_hash"]),
                                  bytes.fromhex(data["second_head"]["root_hash"]))


def test_a_head_served_with_another_root_for_the_pinned_size_is_flagged(client, two_reports):
    earlier, later = two_reports
    raw_sql("UPDATE ledger_treehead SET root_hash = %s WHERE size = 3", ["cd" * 32])
    html = page_html(client, earlier)
    assert "同一规模出现了两个树头" in html
    # The later page's proof now starts from a head the earlier report never pinned.
    assert "日志现在给出的树头与两份报告锁定的树头不同" in page_html(client, later)


# --- nobody edits a pin -------------------------------------------------------------------------


def test_pins_refuse_every_update_and_delete(two_reports):
    pin = ReportHeadPin.objects.filter(page=two_reports[0]).get()
    pin.size = 99
    with pytest.raises(HeadPinImmutableError):
        pin.save()
    with pytest.raises(HeadPinImmutableError):
        pin.delete()
    with pytest.raises(HeadPinImmutableError):
        ReportHeadPin.objects.filter(pk=pin.pk).update(size=99)
    with pytest.raises(HeadPinImmutableError):
        ReportHeadPin.objects.filter(pk=pin.pk).delete()
    assert ReportHeadPin.objects.get(pk=pin.pk).size == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize("sql", ["UPDATE {t} SET size = 99", "DELETE FROM {t}"])
def test_postgresql_refuses_raw_updates_and_deletes_of_pins(two_reports, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(t=ReportHeadPin._meta.db_table))


def test_no_role_has_or_can_be_given_a_permission_to_change_pins(db):
    editor = user_in("编辑", "editor")
    moderator = user_in("审核员", "moderator")
    for user in (editor, moderator):
        assert not user.has_perm("cms_pages.change_reportheadpin")
        assert not user.has_perm("cms_pages.delete_reportheadpin")
        assert not user.has_perm("cms_pages.add_reportheadpin")
    codenames = set(ReportHeadPin._meta.default_permissions)
    assert codenames == {"view"}


def test_an_editor_posting_pin_fields_changes_no_pin(client, disclosure_index):
    post("40.00")
    report = make_report(disclosure_index, 2030)
    before = list(ReportHeadPin.objects.values_list("pk", "size", "root_hash"))
    post("60.00")
    editor = user_in("编辑", "editor")
    client.force_login(editor)
    data = edit_data(report, action="action-submit")
    data.update({"size": "1", "root_hash": "00" * 32, "head_pins-TOTAL_FORMS": "1", "head_pins-INITIAL_FORMS": "0",
                 "head_pins-0-size": "1", "head_pins-0-root_hash": "00" * 32})
    response = client.post(f"/admin/pages/{report.pk}/edit/", data)
    assert response.status_code in (200, 302)
    assert list(ReportHeadPin.objects.values_list("pk", "size", "root_hash")) == before
    # Submitting for moderation publishes nothing, so nothing is pinned either.
    assert AnnualReportPage.objects.get(pk=report.pk).live_revision_id == report.live_revision_id


def test_a_moderator_publishing_in_the_admin_pins_the_head_of_that_moment(client, disclosure_index):
    post("40.00")
    report = make_report(disclosure_index, 2030)
    post("60.00")
    moderator = user_in("审核员", "moderator")
    client.force_login(moderator)
    response = client.post(f"/admin/pages/{report.pk}/edit/", edit_data(report, action="action-publish"))
    assert response.status_code == 302
    pins = list(ReportHeadPin.objects.filter(page=report).order_by("pk"))
    assert [p.size for p in pins] == [1, 2]
    assert pins[-1].pinned_by == moderator and pins[-1].pinned_by_role == "审核员"


def test_pins_have_no_admin_screen(client, two_reports):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    assert client.get("/admin/snippets/cms_pages/reportheadpin/").status_code == 404


def test_a_pinned_report_cannot_be_deleted_from_the_admin(client, disclosure_index):
    post("40.00")
    page = AnnualReportPage(title="2030 年度工作报告", slug="2030", year=2030)
    disclosure_index.add_child(instance=page)
    page.save_revision().publish()
    assert ReportHeadPin.objects.filter(page=page).exists()
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    response = client.post(f"/admin/pages/{page.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert AnnualReportPage.objects.filter(pk=page.pk).exists()


# --- the figures download carries its head ------------------------------------------------------


def test_the_figures_json_carries_the_head_it_was_computed_at(client, disclosure_index):
    post("40.00")
    post("60.00")
    data = client.get("/fund/2030/figures.json").json()
    head = latest_head()
    assert data["head"]["size"] == 2 and data["head"]["root_hash"] == head.root_hash
    assert head_problems(data["head"], public_key_bytes()) == []
    assert data["totals"]["raised"] == "100.00"


def test_the_figures_at_a_pinned_size_are_those_of_its_entries(client, disclosure_index):
    post("40.00")
    post("60.00")
    post("900.00")
    data = client.get("/fund/2030/figures.json?size=2").json()
    assert data["head"]["size"] == 2 and data["totals"]["raised"] == "100.00"
    assert client.get("/fund/2030/figures.json").json()["totals"]["raised"] == "1000.00"
    rows = list(csv.reader(io.StringIO(client.get("/fund/2030/figures.csv?size=2").content.decode("utf-8-sig"))))
    assert rows[-1][:3] == ["log_head", "2", TreeHead.objects.get(size=2).root_hash]


@pytest.mark.parametrize("query, status, message", [
    ("size=9", 404, "没有规模为 9 的树头"),
    ("size=0", 400, "size 应为"),
    ("size=abc", 400, "size 应为"),
    ("size=%202", 400, "size 应为"),
])
def test_a_bad_size_gets_a_clear_json_error(client, disclosure_index, query, status, message):
    post("40.00")
    response = client.get(f"/fund/2030/figures.json?{query}")
    assert response.status_code == status
    assert message in response.json()["message"]


def test_the_fund_page_names_the_latest_signed_head(client, disclosure_index):
    post("40.00")
    html = client.get("/fund/").content.decode()
    assert latest_head().root_hash in html


def test_the_api_gives_each_report_its_pinned_head(client, two_reports):
    earlier, _ = two_reports
    data = client.get(f"/api/v3/pages/{earlier.pk}/").json()
    assert data["pinned_head"] == ReportHeadPin.objects.get(page=earlier).head
    assert head_problems(data["pinned_head"], public_key_bytes()) == []


def test_the_page_loads_the_browser_check_when_the_ledger_ships_it(client, two_reports):
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    html = page_html(client, two_reports[1])
    script = f'<script src="{static("ledger/log-check.js")}" defer></script>'
    assert (script in html) == (finders.find("ledger/log-check.js") is not None)
    assert "<script>" not in html  # nothing inline


def test_the_disclosure_index_names_each_reports_pinned_head(client, two_reports, disclosure_index):
    html = client.get(disclosure_index.url).content.decode()
    assert 'href="/fund/log/heads/3"' in html and 'href="/fund/log/heads/5"' in html
