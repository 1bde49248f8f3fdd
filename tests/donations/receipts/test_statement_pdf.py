"""The year-end statement PDF: rows break across pages, values are escaped, the total is in capitals."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf

from donations.receipts.statement import render_year_statement_pdf

BEIJING = ZoneInfo("Asia/Shanghai")


def _statement(rows):
    return {"year": 2026, "rows": rows, "total": sum((r["net"] for r in rows), Decimal("0.00")),
            "donor_name": "<b>王五</b>", "identity": "手机 139****5678"}


def _row(day, amount, refunded="0.00", title="壹元救护车募捐"):
    amount, refunded = Decimal(amount), Decimal(refunded)
    return {"paid_at": datetime(2026, 1, 1 + day % 28, 9, tzinfo=BEIJING), "campaign_title": title,
            "receipt_number": f"2026-1-{day:06d}", "out_trade_no": f"T{day}", "amount": amount, "refunded": refunded,
            "net": amount - refunded, "donor_name": "王五"}


def test_a_long_year_runs_over_pages_and_ends_with_the_total_in_capitals():
    rows = [_row(day, "10.00") for day in range(1, 81)] + [_row(81, "1005.07", refunded="5.00")]
    pdf = pypdf.PdfReader(io.BytesIO(render_year_statement_pdf(
        statement=_statement(rows), fundraiser_name="中国志愿服务基金会", fundraiser_uscc="TESTUSCC", generated_at=datetime.now(BEIJING))))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert len(pdf.pages) >= 2
    assert "2026-1-000001" in text and "2026-1-000081" in text
    assert "¥1,800.07" in text and "壹仟捌佰元零柒分" in text
    assert "<b>王五</b>" in text  # the donor's own text is printed as typed, not read as markup


def test_a_campaign_title_with_markup_is_escaped():
    rows = [_row(1, "1.00", title="<font size=40>x</font> & 助学")]
    text = pypdf.PdfReader(io.BytesIO(render_year_statement_pdf(
        statement=_statement(rows), fundraiser_name="基金会", fundraiser_uscc="U", generated_at=datetime.now(BEIJING)),
    )).pages[0].extract_text()
    assert "<font size=40>x</font> & 助学" in text.replace("\n", "")


def test_statements_and_certificates_rendered_at_once_are_each_whole():
    """They share the process's CJK font subset: each renderer holds the font lock for its whole document."""
    import threading

    from django.utils import timezone

    from donations.receipts.pdf import render_certificate_pdf

    results, errors = {}, []

    def work(thread):
        for n in range(10):
            title = "募捐" + "".join(chr(0x4E00 + (thread * 211 + n * 17 + k * 3) % 0x4000) for k in range(6))
            try:
                if thread % 4:
                    rows = [_row(n + 1, "66.60", title=title)] + [
                        _row(k, "1.00", title=chr(0x5000 + (thread * 997 + n * 131 + k * 7) % 0x3000) * 3)
                        for k in range(2, 12)]
                    results[(thread, n)] = render_year_statement_pdf(
                        statement=_statement(rows), fundraiser_name="基金会", fundraiser_uscc="U",
                        generated_at=datetime.now(BEIJING))
                else:
                    results[(thread, n)] = render_certificate_pdf(
                        receipt_number=f"2026-1-{n + 1:06d}", donor_display_name="李*", amount=Decimal("66.60"),
                        paid_at=timezone.now(), campaign_title=title, fundraiser_name="基金会", fundraiser_uscc="U",
                        verify_url="https://example.org/r/")
            except Exception as exc:  # noqa: BLE001 - any failure of one render is what this test looks for
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 80
    for data in results.values():
        assert "陆元陆角" in "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).replace("\n", "")
