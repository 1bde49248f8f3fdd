"""The donation certificate as a PDF: A5 landscape, Chinese text in an embedded font, a QR code to verify it.

The font (WenQuanYi Micro Hei, a TrueType collection) comes from a pip package in
requirements.txt, so a fresh machine renders the same certificate without system fonts.
"""

import io
import threading
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


# reportlab keeps one font object per process and grows its glyph subsets while a document is drawn
# and saved: two threads rendering at once corrupt each other's subset (a KeyError in makeSubset, seen
# as a 500 on certificate downloads). Rendering is CPU-bound Python under the GIL, so holding this lock
# for a whole document costs no throughput. Every renderer using the font holds it.
FONT_LOCK = threading.Lock()


@cache
def register_font():
    """Register the CJK font once per process; reportlab embeds the glyphs used as a TrueType subset."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=0))
    return FONT_NAME


def render_certificate_pdf(*, receipt_number, donor_display_name, amount: Decimal, paid_at, campaign_title,
                           fundraiser_name, fundraiser_uscc, verify_url, log_facts=None) -> bytes:
    """One certificate page: who gave how much (figures and capitals), when, to what, and how to verify it.

    ``log_facts`` (donations.selectors.gift_log_facts) prints the gift's leaf and signed head, so the
    donor can check the gift is in the ledger years later; None says the entry is still being recorded.
    """
    with FONT_LOCK:
        return _certificate(receipt_number, donor_display_name, amount, paid_at, campaign_title, fundraiser_name,
                            fundraiser_uscc, verify_url, log_facts)


def _certificate(receipt_number, donor_display_name, amount, paid_at, campaign_title, fundraiser_name,
                 fundraiser_uscc, verify_url, log_facts):
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
    bottom = _body(pdf, font, width, height, donor_display_name, amount, paid_at, campaign_title)
    _log_proof(pdf, font, min(bottom - 6 * mm, 64 * mm), log_facts)
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
    return height - 52 * mm - box_height


def _log_proof(pdf, font, top, facts):
    """Small print above the signature: enough to fetch and check the inclusion proof without this site's pages."""
    if facts is None:
        lines = [
            "账本证明：生成本证书时，这笔捐赠正在记入基金的透明日志，尚无证明。",
            "稍后扫描右侧二维码打开核验页，即可查看并核验它的包含证明；届时重新下载的证书会载明叶子序号和签名树头。",
        ]
    else:
        head = facts["head"]
        lines = [
            f"账本证明：本捐赠为资金账本第 {facts['entry_id']} 条记录，透明日志叶子序号 {facts['index']}。",
            f"签名树头：日志共 {head['size']} 条，签署于 {head['timestamp']}，公钥编号 {head['key_id']}",
            f"根哈希：{head['root_hash']}",
            f"包含证明：{facts['proof_url']}",
            f"离线核验程序：{facts['verifier_url']}（只需 Python 3）",
        ]
    pdf.setFillColor(MUTED)
    pdf.setFont(font, 7)
    for number, line in enumerate(lines):
        pdf.drawString(20 * mm, top - number * 3.6 * mm, line)


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
