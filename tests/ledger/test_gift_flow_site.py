"""Where a gift went, as the site computes it: the same answer as the standalone script on the download."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ledger import selectors
from ledger.models import EntryKind, EntrySource

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "ledger" / "gift_flow.py"
SITE_ONLY = ("project_title", "project_url")


@pytest.fixture
def ledger(post, make_project):
    """Two projects, gifts to each and to the fund, a refund, a reversal and disbursements that overflow."""
    elderly = make_project("老人项目", category=("关爱老人", "elderly"))
    children = make_project("儿童项目", category=("关爱儿童", "children"))

    def gift(amount, project=None, ref=None):
        return post(EntryKind.DONATION, amount, project_id=project.id if project else None,
                    source=EntrySource.DONATION, source_ref=ref)

    entries = {
        "fund_a": gift("300.00", ref="F1"), "old": gift("100.00", elderly, "E1"), "new": gift("50.00", elderly, "E2"),
        "kid": gift("70.00", children, "C1"), "fund_b": gift("500.00", ref="F2"),
    }
    post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=elderly.id)
    post(EntryKind.GRANT_APPROVAL, "1000.00", project_id=children.id)
    entries["pay_1"] = post(EntryKind.DISBURSEMENT, "120.00", project_id=elderly.id, occurred_on=date(2021, 7, 1))
    post(EntryKind.REFUND, "30.00", project_id=elderly.id, source=EntrySource.REFUND, source_ref="E1R1",
         memo="退还捐赠：订单 E1，捐赠人申请")
    wrong = post(EntryKind.DISBURSEMENT, "999.00", project_id=children.id)
    post(EntryKind.CORRECTION, "999.00", reverses=wrong, memo="金额录错")
    entries["pay_2"] = post(EntryKind.DISBURSEMENT, "400.00", project_id=children.id, occurred_on=date(2021, 8, 1))
    return {"projects": {"elderly": elderly, "children": children}, **entries}


def _download(client, tmp_path):
    path = tmp_path / "ledger.json"
    path.write_bytes(b"".join(client.get("/fund/ledger.json").streaming_content))
    return path


def _script(path, *args):
    # -S -I: no site-packages and no project on the path, so the script proves it needs only the standard library.
    done = subprocess.run([sys.executable, "-S", "-I", str(SCRIPT), str(path), *args],
                          capture_output=True, text=True, timeout=60, check=False)
    return done.returncode, done.stdout, done.stderr


def _without_site_fields(result):
    result = json.loads(json.dumps(result))
    for row in [*result["allocations"], result["pool"]]:
        for name in SITE_ONLY:
            row.pop(name, None)
    return result


def test_the_script_on_the_download_gives_what_the_site_gives_for_every_gift(client, tmp_path, ledger):
    path = _download(client, tmp_path)
    for name in ("fund_a", "old", "new", "kid", "fund_b"):
        entry = ledger[name]
        site = selectors.gift_spending(source_ref=entry.source_ref)
        code, out, err = _script(path, "--entry", str(entry.id), "--json")
        assert code == 0, err
        assert json.loads(out) == _without_site_fields(site), name
        code, out_by_ref, _ = _script(path, "--ref", entry.source_ref, "--json")
        assert out_by_ref == out


def test_the_site_follows_the_rule(ledger):
    elderly, children = ledger["projects"]["elderly"], ledger["projects"]["children"]
    old = selectors.gift_spending(source_ref="E1")
    assert (old["net"], old["unspent"]) == ("70.00", "0.00")  # refunded 30, the rest paid out first
    assert [(r["disbursement_id"], r["amount"], r["project_title"], r["project_url"]) for r in old["allocations"]] == [
        (ledger["pay_1"].id, "70.00", "老人项目", elderly.url)]
    new = selectors.gift_spending(source_ref="E2")
    assert [(r["amount"], r["occurred_on"]) for r in new["allocations"]] == [("50.00", "2021-07-01")]
    # Children's 400 takes its own 70, then 330 of the fund's gifts, oldest first.
    assert [r["amount"] for r in selectors.gift_spending(source_ref="C1")["allocations"]] == ["70.00"]
    fund_a = selectors.gift_spending(source_ref="F1")
    assert [(r["disbursement_id"], r["project_id"], r["amount"]) for r in fund_a["allocations"]] == [
        (ledger["pay_2"].id, children.id, "300.00")]
    fund_b = selectors.gift_spending(source_ref="F2")
    assert [(r["amount"], r["via"]) for r in fund_b["allocations"]] == [("30.00", "unrestricted")]
    assert fund_b["unspent"] == "470.00"
    assert selectors.gift_spending(source_ref="NOPE") is None


def test_the_result_is_cached_per_ledger_state_and_moves_with_it(post, ledger, django_assert_num_queries):
    elderly = ledger["projects"]["elderly"]
    selectors.gift_spending(source_ref="E2")
    # Warm: the gift's row, the pool's newest id, the project pages; nothing reads the pool's entries.
    with django_assert_num_queries(3):
        selectors.gift_spending(source_ref="E2")
    post(EntryKind.DONATION, "5.00", project_id=elderly.id, source=EntrySource.DONATION, source_ref="E3")
    post(EntryKind.DISBURSEMENT, "5.00", project_id=elderly.id)
    assert selectors.gift_spending(source_ref="E3")["allocations"][0]["amount"] == "5.00"
    assert selectors.gift_spending(source_ref="F2")["unspent"] == "470.00"


def test_a_fund_gift_reads_a_fixed_number_of_queries_however_long_the_ledger(post, ledger, django_assert_num_queries):
    selectors.gift_spending(source_ref="F1")
    for index in range(30):
        post(EntryKind.DONATION, "1.00", source=EntrySource.DONATION, source_ref=f"X{index}")
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(5):  # gift, head, the followed entries (one query), the pages, the site
        selectors.gift_spending(source_ref="F1")


def test_an_extract_is_refused_by_the_script(client, tmp_path, ledger):
    path = tmp_path / "extract.json"
    path.write_bytes(b"".join(client.get("/fund/ledger.json?year=2021").streaming_content))
    code, _, err = _script(path, "--entry", str(ledger["old"].id))
    assert code == 2 and "extract" in err


def test_the_script_says_when_there_is_no_such_gift(client, tmp_path, ledger):
    path = _download(client, tmp_path)
    assert _script(path, "--entry", str(ledger["pay_1"].id))[0] == 1
    code, out, _ = _script(path, "--ref", "E2")
    assert code == 0 and f"拨付 #{ledger['pay_1'].id} 老人项目 50.00 元 2021-07-01" in out


def _all_results(refs):
    return {ref: selectors.gift_spending(source_ref=ref) for ref in refs}


def test_a_cached_pool_extended_by_new_gifts_equals_a_fresh_computation(post, ledger):
    from django.core.cache import cache

    elderly = ledger["projects"]["elderly"]
    refs = ["F1", "E1", "E2", "C1", "F2"]
    _all_results(refs)  # every pool cached
    post(EntryKind.DONATION, "7.00", source=EntrySource.DONATION, source_ref="F3")
    post(EntryKind.DONATION, "9.00", project_id=elderly.id, source=EntrySource.DONATION, source_ref="E3")
    post(EntryKind.GRANT_APPROVAL, "1.00", project_id=elderly.id)  # not followed: still only gifts since
    extended = _all_results([*refs, "F3", "E3"])
    assert extended["F3"]["unspent"] == "7.00" and extended["E3"]["unspent"] == "9.00"
    cache.clear()
    assert _all_results([*refs, "F3", "E3"]) == extended


def test_a_refund_or_disbursement_after_caching_recomputes_earlier_gifts(post, ledger):
    elderly = ledger["projects"]["elderly"]
    assert selectors.gift_spending(source_ref="E2")["allocations"][0]["amount"] == "50.00"
    # E1 is refunded in full: the 120 paid out must now come from E2 and the fund's overflow.
    post(EntryKind.REFUND, "70.00", project_id=elderly.id, source=EntrySource.REFUND, source_ref="E1R2",
         memo="退还捐赠：订单 E1，捐赠人申请")
    assert selectors.gift_spending(source_ref="E1")["net"] == "0.00"
    assert selectors.gift_spending(source_ref="E2")["allocations"][0]["amount"] == "50.00"
    fund_a = selectors.gift_spending(source_ref="F1")
    assert [(r["disbursement_id"], r["amount"]) for r in fund_a["allocations"]] == [
        (ledger["pay_1"].id, "70.00"), (ledger["pay_2"].id, "230.00")]
    pay = post(EntryKind.DISBURSEMENT, "400.00", project_id=elderly.id)
    fund_b = selectors.gift_spending(source_ref="F2")
    assert [(r["disbursement_id"], r["amount"]) for r in fund_b["allocations"]] == [
        (ledger["pay_2"].id, "100.00"), (pay.id, "400.00")]
    assert fund_b["unspent"] == "0.00"
