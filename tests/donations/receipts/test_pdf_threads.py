"""Certificates rendered by several threads at once (gunicorn's threaded workers) are each whole."""

import io
import threading
from decimal import Decimal

import pypdf
from django.utils import timezone

from donations.receipts.pdf import render_certificate_pdf

THREADS, EACH = 8, 20


def _title(thread, n):
    # Different glyphs in every document, so each save grows the shared font's subset.
    return "募捐" + "".join(chr(0x4E00 + (thread * 211 + n * 17 + k * 3) % 0x4000) for k in range(6))


def test_certificates_rendered_at_once_are_each_whole_and_their_own():
    results, errors = {}, []

    def work(thread):
        for n in range(EACH):
            try:
                results[(thread, n)] = render_certificate_pdf(
                    receipt_number=f"2026-{thread + 1}-{n:06d}", donor_display_name="李*", amount=Decimal("66.60"),
                    paid_at=timezone.now(), campaign_title=_title(thread, n), fundraiser_name="中国志愿服务基金会",
                    fundraiser_uscc="53100000500021676Y", verify_url=f"https://example.org/r/{thread}-{n}/",
                )
            except Exception as exc:  # noqa: BLE001 - any failure of one render is what this test looks for
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == THREADS * EACH
    for (thread, n), data in list(results.items())[::23]:
        text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().replace("\n", "")
        assert f"2026-{thread + 1}-{n:06d}" in text and "陆拾陆元陆角" in text
