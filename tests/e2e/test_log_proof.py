"""The browser check of a gift's proof: Chromium's Web Crypto verifies it, and refuses it once anything is changed.

A real certificate's verification page on a phone, under the site's CSP: the button checks the leaf
hash, the audit path and the head's Ed25519 signature; a page whose proof was altered in transit
(Playwright rewrites the response) fails at the step that was touched; a browser without Ed25519
(older WeChat) is told the hashes were checked and the signature was not. Then the same script
checks every inclusion and consistency proof of a small log, against ledger/verify_log.py's answers.
"""

import json
import re
import shlex
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from ledger.signing import public_key_b64

from .conftest import PHONE, save_screenshot
from .test_csp import REPORT_VIOLATIONS

pytestmark = pytest.mark.e2e

DATA_BLOCK = re.compile(r'(<script type="application/json" class="log-proof-data">)(.*?)(</script>)', re.S)
NO_ED25519 = """
(() => {
  const original = SubtleCrypto.prototype.importKey;
  SubtleCrypto.prototype.importKey = function (format, key, algorithm, ...rest) {
    if (algorithm && (algorithm === "Ed25519" || algorithm.name === "Ed25519")) {
      return Promise.reject(new DOMException("Algorithm: Unrecognized name", "NotSupportedError"));
    }
    return original.call(this, format, key, algorithm, ...rest);
  };
})();
"""


@pytest.fixture
def receipt(live_site):
    """A bank transfer entered by finance staff: paid at once, with its certificate and ledger entry."""
    from wagtail.documents.models import Document

    from cms_pages.models import ProjectPage
    from donations.models import CampaignPage
    from donations.services import offline_donation_record

    project = ProjectPage.objects.live().order_by("path").first()
    campaign = project.add_child(instance=CampaignPage(
        title="账本证明测试募捐", slug="proof-campaign", intro="用于浏览器测试的募捐活动。", goal="1000.00",
    ))
    staff = get_user_model().objects.create_user("proof-finance", password="proof-pass-1234")
    voucher = Document.objects.create(title="银行回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
    donation = offline_donation_record(campaign=campaign, amount="88.80", donor_name="赵六", bank_reference="BK-E2E",
                                       voucher=voucher, recorded_by=staff)
    return donation.receipt


@pytest.fixture
def phone_watched(browser, request):
    """A phone page that records every CSP violation, console error and page error."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    problems = []
    context.expose_function("__cspViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    # A failed load is reported with its address below; the console's copy of it names none.
    page.on("console", lambda msg: msg.type == "error" and not msg.text.startswith("Failed to load resource")
            and problems.append(f"console: {msg.text}"))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    yield context, page, problems
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        save_screenshot(page, f"FAILED-{request.node.name}")
    context.close()


def _check(page):
    page.get_by_role("button", name="在浏览器中核验").click()
    page.wait_for_function("document.querySelector('.log-proof').dataset.state !== 'checking' "
                           "&& document.querySelector('.log-proof').dataset.state !== undefined")
    return page.locator(".log-proof").get_attribute("data-state"), page.text_content(".log-proof-result")


def _tampered(change):
    """A route handler that serves the real page with its proof JSON changed by ``change(data)``."""
    def handle(route):
        response = route.fetch()
        body = response.text()
        match = DATA_BLOCK.search(body)
        data = json.loads(match.group(2))
        change(data)
        text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
        route.fulfill(response=response, body=body[:match.start(2)] + text + body[match.end(2):])
    return handle


def _flip(hex_text):
    return ("1" if hex_text[0] == "0" else "0") + hex_text[1:]


def test_the_certificate_page_checks_its_proof_in_the_browser_and_refuses_a_changed_one(receipt, live_site,
                                                                                        phone_watched):
    context, page, problems = phone_watched
    url = live_site + reverse("donations:receipt_verify", args=[receipt.number])
    response = page.goto(url)
    assert "unsafe-inline" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    page.get_by_role("heading", name="账本证明").wait_for()
    state, message = _check(page)
    assert state == "ok", message
    assert "核验通过" in message and "签名" in message
    page.locator(".log-proof-details summary").click()
    save_screenshot(page, "receipt-verify-proof-phone")
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]

    changes = {
        "第 1 步": lambda d: d["leaf"].update(data=d["leaf"]["data"].replace('"88.80"', '"888.00"')),
        "第 2 步": lambda d: d.update(proof=[_flip(d["proof"][0]), *d["proof"][1:]]) if d["proof"]
        else d["head"].update(root_hash=_flip(d["head"]["root_hash"])),
        "第 3 步": lambda d: d["head"].update(timestamp="2020-01-01T00:00:00Z"),
    }
    for step, change in changes.items():
        page.route(url, _tampered(change))
        page.goto(url)
        state, message = _check(page)
        assert state == "fail" and step in message, (step, message)
        page.unroute(url)
    save_screenshot(page, "receipt-verify-proof-tampered-phone")

    # A changed root hash alone: the path no longer reaches it.
    page.route(url, _tampered(lambda d: d["head"].update(root_hash=_flip(d["head"]["root_hash"]))))
    page.goto(url)
    state, message = _check(page)
    assert state == "fail" and "第 2 步" in message
    page.unroute(url)
    assert problems == [], "\n".join(problems)


def test_a_browser_without_ed25519_checks_the_hashes_and_says_how_to_check_the_signature(receipt, live_site,
                                                                                          phone_watched, tmp_path):
    context, page, problems = phone_watched
    context.add_init_script(NO_ED25519)
    page.goto(live_site + reverse("donations:receipt_verify", args=[receipt.number]))
    state, message = _check(page)
    assert state == "partial", message
    assert "哈希证明已核验通过" in message and "不支持 Ed25519" in message
    # The offline command for the same proof, runnable as shown.
    assert f'python3 verify_log.py inclusion "{live_site}/fund/log/proof/inclusion?entry=' in message
    assert f"--key {public_key_b64()}" in message
    # ...and that command, run as shown, checks the proof with the downloadable verifier.
    command = shlex.split(message[message.index("python3 verify_log.py"):])
    verifier = tmp_path / "verify_log.py"  # alone in a folder, as a donor downloads it
    verifier.write_bytes(page.request.get(live_site + reverse("ledger:verifier")).body())
    result = subprocess.run([sys.executable, str(verifier), *command[2:]], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    save_screenshot(page, "receipt-verify-proof-no-ed25519-phone")
    assert problems == [], "\n".join(problems)


@pytest.fixture
def small_log(live_site):
    """A few more entries, so the log has sizes with every shape of audit path."""
    from ledger.services import entry_record

    for number in range(11):
        entry_record(kind="donation", amount=Decimal(f"{number + 1}.00"), occurred_on=date(2026, 1, 1), memo=f"浏览器核验 {number}",
                     source="donation", source_ref=f"E{number}")


def test_the_script_agrees_with_the_verifier_on_every_proof_of_a_small_log(small_log, live_site, phone_watched):
    from ledger import selectors

    context, page, problems = phone_watched
    page.goto(live_site + reverse("ledger:log"))
    size = selectors.log_size()
    blocks = []
    for entry_id in range(1, size + 1):
        for at in sorted({entry_id, (entry_id + size) // 2, size}):
            blocks.append(("inclusion", f"{entry_id}@{at}", selectors.inclusion_block(entry_id, size=at)))
    for first in range(0, size + 1):
        for second in sorted({first, first + 1, size} - {size + 1}):
            blocks.append(("consistency", f"{first}..{second}", selectors.consistency_block(first, second)))
    tampered = []
    for kind, name, block in blocks[::7]:
        data = json.loads(json.dumps(block["data"]))
        if data["proof"]:
            data["proof"][-1] = _flip(data["proof"][-1])
            tampered.append((kind, f"tampered {name}", {**block, "data": data}))
    html = "".join(
        f'<div data-name="{name}">' + render_to_string("ledger/includes/log_proof.html", {"block": block}) + "</div>"
        for _, name, block in blocks + tampered
    )
    outcomes = page.evaluate("""async (html) => {
        if (!window.fundLogCheck) {  // the log page itself has no block: load the script as a block's page does
            const script = document.createElement("script");
            script.src = "/static/ledger/log-check.js";
            await new Promise((resolve, reject) => { script.onload = resolve; script.onerror = reject;
                                                     document.head.appendChild(script); });
        }
        const holder = document.createElement("div");
        holder.innerHTML = html;
        document.querySelector("main").appendChild(holder);
        const out = {};
        for (const wrap of holder.querySelectorAll("[data-name]")) {
            const section = wrap.querySelector(".log-proof");
            try { out[wrap.dataset.name] = (await window.fundLogCheck.check(section)).state; }
            catch (e) { out[wrap.dataset.name] = "fail: " + e.message; }
        }
        return out;
    }""", html)
    assert len(blocks) > 3 * size
    wrong = {name: state for _, name, _ in blocks if (state := outcomes[name]) != "ok"}
    assert wrong == {}
    assert tampered and all(outcomes[name].startswith("fail") for _, name, _ in tampered)
    assert problems == [], "\n".join(problems)


def test_the_2021_report_proves_in_the_browser_that_its_ledger_extends_2019s(live_site, phone_watched):
    from cms_pages.models import AnnualReportPage

    context, page, problems = phone_watched
    url = live_site + AnnualReportPage.objects.get(year=2021).url
    page.goto(url)
    page.get_by_role("heading", name="本报告依据的账本：签名树头").wait_for()
    assert page.locator('.log-proof[data-kind="consistency"]').count() == 1
    state, message = _check(page)
    assert state == "ok", message
    page.locator(".log-proof").scroll_into_view_if_needed()
    save_screenshot(page, "report-2021-consistency-phone")
    # A proof that does not join the two heads is refused.
    page.route(url, _tampered(lambda d: d.update(proof=[_flip(d["proof"][0]), *d["proof"][1:]])))
    page.goto(url)
    state, message = _check(page)
    assert state == "fail", message
    page.unroute(url)
    assert problems == [], "\n".join(problems)
