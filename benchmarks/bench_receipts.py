"""Certificates rendered per second, as a ratio to a one-line PDF rendered by the same library in the same run.

Run: make bench  (or: DJANGO_SETTINGS_MODULE=fundsite.settings.test .venv/bin/python -m pytest
benchmarks/bench_receipts.py -o addopts="" --benchmark-only -s)
"""

import io
import time
from datetime import UTC, datetime
from decimal import Decimal

from reportlab.pdfgen import canvas

from donations.receipts.pdf import register_font, render_certificate_pdf

FACTS = {
    "receipt_number": "2026-000042", "donor_display_name": "张*", "amount": Decimal("1005.07"),
    "paid_at": datetime(2026, 11, 22, 17, 30, tzinfo=UTC), "campaign_title": "志愿城市·太原 社区助老",
    "fundraiser_name": "中国志愿服务基金会", "fundraiser_uscc": "53100000500021676M",
    "verify_url": "https://example.org/donations/receipts/2026-000042/",
    "log_facts": {  # the leaf and signed head every certificate now prints
        "entry_id": 123457, "index": 123456,
        "head": {"size": 130000, "timestamp": "2026-11-22T09:30:00Z", "key_id": "4f32442e64e7f068", "root_hash": "ab" * 32},
        "proof_url": "https://example.org/fund/log/proof/inclusion?entry=123457&size=130000",
        "verifier_url": "https://example.org/fund/log/verify_log.py",
    },
}


def baseline_pdf():
    """The least a PDF can cost: one Latin line in a built-in font, no embedding, no QR code."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(100, 100, "2026-000042 1005.07")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def best_of(func, *, rounds=5, loops=20):
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(loops):
            func()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def test_certificates_per_second(benchmark):
    register_font()  # the one-off font load is not part of each certificate
    render_certificate_pdf(**FACTS)
    benchmark(render_certificate_pdf, **FACTS)
    certificate = benchmark.stats.stats.mean
    baseline = best_of(baseline_pdf)
    benchmark.extra_info.update({
        "certificates_per_second": round(1 / certificate, 1),
        "baseline_pdfs_per_second": round(1 / baseline, 1),
        "ratio_to_baseline": round(certificate / baseline, 1),
    })
    print(f"\ncertificates/s: {1 / certificate:.1f}; one-line PDFs/s: {1 / baseline:.1f}; "
          f"a certificate costs {certificate / baseline:.1f}x the baseline")
    assert certificate > 0 and baseline > 0
