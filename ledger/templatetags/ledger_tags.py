"""Fund-flow blocks that the content templates place on project, home and annual report pages."""

from decimal import Decimal, InvalidOperation

from django import template
from django.urls import reverse

from ledger import selectors
from ledger.models import EntryKind, EntrySource

register = template.Library()

# What each posting source means as an income channel.
CHANNEL_LABELS = {
    "donation": "网站在线捐赠",
    "annual_report": "年度报告汇总（渠道未分项公布）",
    "": "未注明渠道",
}


@register.filter
def yuan(amount):
    """1234567.5 → "1,234,567.50"; None stays an em dash."""
    if amount is None or amount == "":
        return "—"
    try:
        return f"{Decimal(amount):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return amount


def with_bars(rows, name, value, labels=None):
    """Rows as {name, value, bar} where bar is the share (0–100) of the largest value, for CSS bars."""
    chart = [{"name": (labels or {}).get(row[name], row[name]), "value": row[value]} for row in rows]
    largest = max((row["value"] for row in chart if row["value"] > 0), default=Decimal(0))
    for row in chart:
        row["bar"] = int(row["value"] * 100 / largest) if largest and row["value"] > 0 else 0
    return chart


# A project page lists this many recent approvals and disbursements; the full list is a download.
DISBURSEMENTS_SHOWN = 50


@register.inclusion_tag("ledger/tags/project_fund_flow.html")
def project_fund_flow(page):
    """Approved, disbursed, payable, and the recent approvals and disbursements of one project (four queries).

    Vouchers show as their SHA-256 and, if finance published one, a link to the redacted copy;
    the voucher file itself is never linked.
    """
    approvals = list(selectors.project_approvals(project_id=page.pk, limit=DISBURSEMENTS_SHOWN))
    disbursements = list(selectors.project_disbursements(project_id=page.pk, limit=DISBURSEMENTS_SHOWN))
    vouchers = selectors.public_vouchers(document_ids={entry.voucher_id for entry in approvals + disbursements})
    for entry in approvals + disbursements:
        entry.public_voucher = vouchers.get(entry.voucher_id) or (
            {"sha256": entry.voucher_sha256, "public_url": ""} if entry.voucher_id else None
        )
    totals = selectors.project_totals(project_id=page.pk)
    own = approvals + disbursements
    # What the project's own figures can say: "none" (no entry under its name), "report_only"
    # (only what a report states about it, no disbursement: its totals were not published), or
    # "ledger" (its own approvals and disbursements).
    if not own and not totals["raised"]:
        state = "none"
        aggregates = selectors.project_report_aggregates(
            project_id=page.pk, cohort_year=getattr(page, "cohort_year", None),
        )
    else:
        state = "report_only" if own and not disbursements and all(
            entry.source == EntrySource.ANNUAL_REPORT for entry in own
        ) else "ledger"
        aggregates = {"covered": False, "category_rows": []}
    return {
        "totals": totals,
        "state": state,
        "aggregates": aggregates,
        "approvals": approvals,
        "disbursements": disbursements,
        "shown": DISBURSEMENTS_SHOWN,
        "disbursement_kind": EntryKind.DISBURSEMENT,
        "fund_url": reverse("ledger:fund"),
        "csv_url": reverse("ledger:download", args=["csv"]) + f"?project={page.pk}",
    }


@register.inclusion_tag("ledger/tags/fund_flow_summary.html")
def fund_flow_summary():
    """The fund's raised, approved, disbursed, payable and raised-not-yet-paid-out to date, for the home page."""
    return {"totals": selectors.raised_not_disbursed(), "fund_url": reverse("ledger:fund")}


@register.inclusion_tag("ledger/tags/annual_report_figures.html")
def annual_report_figures(page, log_size=None):
    """The year's figures from the ledger beside the published ones, with charts and downloads.

    ``log_size``: the size of the signed head the report pinned; only the log's first
    ``log_size`` entries count, and the downloads are those figures at that head.
    """
    year = page.year
    published = list(page.published_figures.all())
    computed = selectors.computed_figures(year=year, keys=[figure.key for figure in published], log_size=log_size)
    comparison = []
    for figure in published:
        value = computed.get(figure.key)
        difference = value - figure.amount if value is not None and figure.amount is not None else None
        comparison.append({"figure": figure, "computed": value, "difference": difference})
    figures = selectors.year_figures(year=year, log_size=log_size)
    at = f"?size={log_size}" if log_size is not None else ""
    return {
        "year": year,
        "log_size": log_size,
        "comparison": comparison,
        "has_difference": any(row["difference"] for row in comparison),
        "totals": figures["totals"],
        "cards": selectors.year_cards(year=year, totals=figures["totals"], computed=computed, log_size=log_size),
        "labels": selectors.FIGURE_LABELS,
        "income": with_bars(figures["income_by_channel"], "channel", "amount", CHANNEL_LABELS),
        "categories": with_bars(figures["by_category"], "category", "approved"),
        "projects": with_bars(figures["by_project"], "project__title", "approved"),
        "figures_json": reverse("ledger:year_figures", args=[year, "json"]) + at,
        "figures_csv": reverse("ledger:year_figures", args=[year, "csv"]) + at,
        "ledger_json": reverse("ledger:download", args=["json"]) + f"?year={year}",
        "ledger_csv": reverse("ledger:download", args=["csv"]) + f"?year={year}",
    }


# The same escaping as Django's json_script: "<", ">" and "&" as \u escapes, so no value (a memo
# holding "</script>") can end the data block early; the JSON it parses to is unchanged.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def proof_json(value):
    """A proof as JSON for a ``<script type="application/json">`` data block (see includes/log_proof.html)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.safestring import mark_safe

    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308 - escaped above, as json_script does
