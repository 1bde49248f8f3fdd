"""The year-end statement (年度捐赠汇总) as a PDF: A4, one row per gift, the total in figures and capitals.

It uses the certificate's embedded CJK font and capitals (pdf.py, capitals.py); the table
breaks across pages by itself (reportlab's platypus), with the header row repeated.
"""

import io
from html import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .capitals import amount_in_capitals
from .pdf import ACCENT, FONT_LOCK, INK, MUTED, register_font

RULE = HexColor("#d0d3d8")


def _styles(font):
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, textColor=ACCENT, alignment=1),
        "text": ParagraphStyle("text", fontName=font, fontSize=10, leading=16, textColor=INK, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=12, textColor=INK, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=12, textColor=MUTED, wordWrap="CJK"),
    }


def _table(statement, styles, font):
    cell = styles["cell"]
    head = ["日期", "捐赠项目", "证书编号", "捐赠金额", "已退款", "净额"]
    data = [[Paragraph(h, cell) for h in head]]
    for row in statement["rows"]:
        when = row["paid_at"]
        data.append([
            Paragraph(f"{when:%Y-%m-%d}", cell), Paragraph(escape(row["campaign_title"]), cell),
            Paragraph(escape(row["receipt_number"] or "—"), cell), Paragraph(f"¥{row['amount']:,.2f}", cell),
            Paragraph(f"¥{row['refunded']:,.2f}" if row["refunded"] else "—", cell),
            Paragraph(f"¥{row['net']:,.2f}", cell),
        ])
    data.append([Paragraph("合计", cell), "", "", "", "", Paragraph(f"¥{statement['total']:,.2f}", cell)])
    table = Table(data, colWidths=[22 * mm, 58 * mm, 32 * mm, 24 * mm, 20 * mm, 24 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT), ("LINEBELOW", (0, 1), (-1, -2), 0.3, RULE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("SPAN", (0, -1), (4, -1)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def render_year_statement_pdf(*, statement: dict, fundraiser_name: str, fundraiser_uscc: str, generated_at) -> bytes:
    """``statement`` is donations.donor_selectors.donor_year_statement's answer; every value is escaped."""
    with FONT_LOCK:  # the CJK font's subset is shared by the process (see pdf.py)
        return _statement(statement, fundraiser_name, fundraiser_uscc, generated_at)


def _statement(statement, fundraiser_name, fundraiser_uscc, generated_at):
    font = register_font()
    styles = _styles(font)
    buffer = io.BytesIO()
    year = statement["year"]
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"{year} 年度捐赠汇总", author=fundraiser_name)
    name = escape(statement["donor_name"]) or "（未署名）"
    total = statement["total"]
    story = [
        Paragraph(f"{year} 年度捐赠汇总", styles["title"]), Spacer(0, 6 * mm),
        Paragraph(f"捐赠人：{name}　　身份：{escape(statement['identity'])}", styles["text"]),
        Paragraph(f"统计期间：{year}年1月1日至{year}年12月31日（北京时间），共 {len(statement['rows'])} 笔已到账捐赠，"
                  "金额已扣除退款。", styles["text"]),
        Spacer(0, 4 * mm), _table(statement, styles, font), Spacer(0, 5 * mm),
        Paragraph(f"全年捐赠净额合计：人民币 <b>{amount_in_capitals(total)}</b>（¥{total:,.2f}）。", styles["text"]),
        Spacer(0, 8 * mm),
        Paragraph(escape(fundraiser_name), styles["text"]),
        Paragraph(f"统一社会信用代码：{escape(fundraiser_uscc)}", styles["small"]),
        Paragraph(f"生成时间：{generated_at:%Y年%m月%d日 %H:%M}（北京时间）。每笔捐赠的证书可凭证书编号在本站核验页核验；"
                  "本汇总不是公益事业捐赠票据。", styles["small"]),
    ]
    doc.build(story)
    return buffer.getvalue()
