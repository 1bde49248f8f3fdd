"""The certificate PDF: embedded CJK font, extractable text, the amount twice, a QR code to verify."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pypdf
import pytest

from donations.receipts.pdf import render_certificate_pdf

FACTS = {
    "receipt_number": "2026-000042",
    "donor_display_name": "张*",
    "amount": Decimal("1005.07"),
    "paid_at": datetime(2026, 11, 22, 17, 30, tzinfo=UTC),  # 2026-11-23 01:30 in Beijing
    "campaign_title": "志愿城市·太原 社区助老",
    "fundraiser_name": "中国志愿服务基金会",
    "fundraiser_uscc": "53100000500021676M",
    "verify_url": "https://example.org/donations/receipts/2026-000042/",
}


@pytest.fixture(scope="module")
def pdf():
    return render_certificate_pdf(**FACTS)


def fonts_of(reader):
    fonts = reader.pages[0]["/Resources"]["/Font"]
    return [font.get_object() for font in fonts.values()]


def test_pdf_embeds_the_cjk_font(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    embedded = []
    for font in fonts_of(reader):
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.append(str(descendant.get_object()["/BaseFont"]))
    assert embedded and all("WenQuanYiMicroHei" in name for name in embedded)


def test_text_extracts_with_amount_in_figures_and_capitals(pdf):
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    for expected in ("捐 赠 证 书", "2026-000042", "张*", "志愿城市·太原 社区助老", "壹仟零伍元零柒分", "¥1,005.07",
                     "中国志愿服务基金会", "53100000500021676M", "2026年11月23日", "扫码核验"):
        assert expected in text, expected


def test_page_is_a5_landscape(pdf):
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 420)


def test_markup_in_names_is_shown_as_text(pdf):
    rendered = render_certificate_pdf(**{**FACTS, "campaign_title": "<b>爱心</b> & <script>"})
    text = pypdf.PdfReader(io.BytesIO(rendered)).pages[0].extract_text().replace("\n", "")
    assert "<b>爱心</b> & <script>" in text


def test_qr_code_is_drawn_and_changes_with_the_url(pdf):
    other = render_certificate_pdf(**{**FACTS, "verify_url": "https://example.org/other/"})
    first = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    second = pypdf.PdfReader(io.BytesIO(other)).pages[0].get_contents().get_data()
    assert first.count(b" re") > 200  # hundreds of QR modules drawn as filled squares
    assert first != second


def test_amount_must_be_decimal():
    with pytest.raises(TypeError):
        render_certificate_pdf(**{**FACTS, "amount": 1005.07})
