"""The donation certificate as a PDF: A5 landscape, Chinese text in an embedded font, a QR code to verify it.

The font (WenQuanYi Micro Hei, a TrueType collection) comes from a pip package in
requirements.txt, so a fresh machine renders the same certificate without system fonts.
"""

import io
from decimal import Decimal
from functools import cache
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import paperang_p2_fonts_cjk
import qrcode
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from .capitals import amount_in_capitals

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
BEIJING = ZoneInfo("Asia/Shanghai")
PAGE = landscape(A5)
INK = HexColor("#1f2329")
ACCENT = HexColor("#b4232a")
MUTED = HexColor("#646a73")


@cache
def register_font():
    """Register the CJK font once per process; reportlab embeds the glyphs used as a TrueType subset."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=0))
    return FONT_NAME


def render_certificate_pdf(*, receipt_number, donor_display_name, amount: Decimal, paid_at, campaign_title,
                           fundraiser_name, fundraiser_uscc, verify_url) -> bytes:
    """One certificate page: who gave how much (figures and capitals), when, to what, and how to verify it."""
    font = register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE, pageCompression=1)
    pdf.setTitle(f"捐赠证书 {receipt_number}")
    pdf.setAuthor(fundraiser_name)
    pdf.setSubject(campaign_title)
    width, height = PAGE
    _frame(pdf, width, height)
    pdf.setFillColor(ACCENT)
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 30 * mm, "捐 赠 证 书")
    pdf.setFillColor(MUTED)
    pdf.setFont(font, 9)
    pdf.drawRightString(width - 16 * mm, height - 16 * mm, f"证书编号：{receipt_number}")
    _body(pdf, font, width, height, donor_display_name, amount, paid_at, campaign_title)
    _signature(pdf, font, fundraiser_name, fundraiser_uscc, paid_at)
    _qr(pdf, font, verify_url, width)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _frame(pdf, width, height):
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(2)
    pdf.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    pdf.setLineWidth(0.5)
    pdf.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)


def _local(moment):
    return moment.astimezone(BEIJING) if moment.tzinfo else moment


def _body(pdf, font, width, height, donor, amount, paid_at, campaign):
    style = ParagraphStyle("certificate", fontName=font, fontSize=12, leading=21, textColor=INK, wordWrap="CJK",
                           firstLineIndent=24)
    when = _local(paid_at)
    # Paragraph reads inline markup: every value from a donor or editor is escaped.
    text = (
        f"感谢您于 {when:%Y}年{when.month}月{when.day}日 向「{escape(campaign)}」捐赠人民币"
        f" <b>{amount_in_capitals(amount)}</b>（¥{amount:,.2f}）。"
        "您的善款将用于该项目的公益服务，特发此证，以致谢忱。"
    )
    pdf.setFillColor(INK)
    pdf.setFont(font, 14)
    pdf.drawString(20 * mm, height - 46 * mm, f"{donor}：")
    paragraph = Paragraph(text, style)
    box_width = width - 40 * mm
    _, box_height = paragraph.wrap(box_width, 60 * mm)
    paragraph.drawOn(pdf, 20 * mm, height - 52 * mm - box_height)


def _signature(pdf, font, name, uscc, paid_at):
    when = _local(paid_at)
    pdf.setFillColor(INK)
    pdf.setFont(font, 11)
    pdf.drawString(20 * mm, 34 * mm, name)
    pdf.setFillColor(MUTED)
    pdf.setFont(font, 8.5)
    pdf.drawString(20 * mm, 28 * mm, f"统一社会信用代码：{uscc}")
    pdf.drawString(20 * mm, 22 * mm, f"{when:%Y}年{when.month}月{when.day}日")


def _qr(pdf, font, url, width):
    """Drawn as vector squares from the QR matrix, so it stays sharp at any zoom."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = 26 * mm
    cell = size / len(matrix)
    left, bottom = width - 20 * mm - size, 20 * mm
    pdf.setFillColor(INK)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                pdf.rect(left + column * cell, bottom + size - (row + 1) * cell, cell, cell, stroke=0, fill=1)
    pdf.setFillColor(MUTED)
    pdf.setFont(font, 8)
    pdf.drawCentredString(left + size / 2, bottom - 5 * mm, "扫码核验本证书")
