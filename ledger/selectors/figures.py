"""What the annual report computes from the ledger, and the ledger's value for published figure keys."""

import re
from datetime import date, timedelta

from ledger.models import EntrySource, LedgerEntry
from ledger.projects import category_lookup
from ledger.selectors.totals import ZERO, as_at, flow_by_category, flow_by_project, fund_totals, income_by_channel

FIGURE_LABELS = {
    "raised": "募集（捐赠收入）",
    "approved": "批准资助",
    "disbursed": "已拨付",
    "payable": "应付未付（批准 − 拨付，年末余额）",
    "refunded": "捐赠退款",
    "fees": "支付手续费",
}


def year_figures(*, year: int, log_size: int | None = None) -> dict:
    """Everything the annual report computes from the ledger for one year.

    Flows are the year's own; payable is the balance at the year's end. With ``log_size``, only
    the log's first ``log_size`` entries count: the figures as they stood at that signed head,
    whatever is appended later (even an entry dated in that year, such as a late correction).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    flows = fund_totals(start=start, end=end, log_size=log_size)
    flows["payable"] = fund_totals(on_or_before=end, log_size=log_size)["payable"]
    return {
        "year": year,
        "totals": flows,
        "by_category": flow_by_category(start=start, end=end, log_size=log_size),
        "by_project": flow_by_project(start=start, end=end, log_size=log_size),
        "income_by_channel": income_by_channel(start=start, end=end, log_size=log_size),
    }


SPENDING_RANGE_KEY = re.compile(r"^project_spending_(\d{4})_(\d{4})$")
CATEGORY_KEY = re.compile(r"^invested_([a-z0-9_]+)$")
YEAR_TOTAL_KEYS = {"raised": "raised", "approved_amount": "approved", "approved": "approved",
                   "disbursed": "disbursed", "refunded": "refunded"}
YEAR_END_KEYS = {"payable_unpaid", "payable"}


def _category_names_by_slug(slugs):
    # Reached through the configured project model: the content app depends on the ledger, not the reverse.
    lookup = category_lookup() if slugs else None
    if lookup is None:
        return {}
    category, name_field, slug_field = lookup
    return dict(category.objects.filter(**{f"{slug_field}__in": slugs}).values_list(slug_field, name_field))


def computed_figures(*, year: int, keys, log_size: int | None = None) -> dict:
    """The ledger's value for each published figure key it knows how to compute.

    raised/approved_amount/disbursed/refunded: that year's flow; payable_unpaid: the balance
    at the year's end; project_spending_YYYY_YYYY: disbursed over those years;
    invested-<category slug>: approved that year in that category. Other keys are absent.
    ``log_size`` counts only the log's first ``log_size`` entries, as ``year_figures`` does.
    """
    # Published keys may be written with hyphens (approved-amount) or underscores.
    originals = list(keys)
    keys = [key.replace("-", "_") for key in originals]
    start, end = date(year, 1, 1), date(year, 12, 31)
    result = {}
    if any(key in YEAR_TOTAL_KEYS for key in keys):
        totals = fund_totals(start=start, end=end, log_size=log_size)
        result.update({key: totals[YEAR_TOTAL_KEYS[key]] for key in keys if key in YEAR_TOTAL_KEYS})
    if any(key in YEAR_END_KEYS for key in keys):
        payable = fund_totals(on_or_before=end, log_size=log_size)["payable"]
        result.update({key: payable for key in keys if key in YEAR_END_KEYS})
    for key in keys:
        match = SPENDING_RANGE_KEY.match(key)
        if match:
            first, last = int(match[1]), int(match[2])
            result[key] = fund_totals(
                start=date(first, 1, 1), end=date(last, 12, 31), log_size=log_size,
            )["disbursed"]
    slugs = {match[1].replace("_", "-"): key for key in keys if (match := CATEGORY_KEY.match(key))}
    names = _category_names_by_slug(list(slugs))
    if names:
        by_name = {row["category"]: row["approved"] for row in flow_by_category(start=start, end=end, log_size=log_size)}
        for slug, name in names.items():
            result[slugs[slug]] = by_name.get(name, ZERO)
    return {original: result[key] for original, key in zip(originals, keys, strict=True) if key in result}


# Which published keys state each card's figure (after hyphens become underscores).
CARD_KEYS = {
    "raised": lambda key: key == "raised",
    "approved": lambda key: key in ("approved", "approved_amount"),
    "disbursed": lambda key: key == "disbursed" or bool(SPENDING_RANGE_KEY.match(key)),
    "payable": lambda key: key in YEAR_END_KEYS,
}
CARD_LABELS = {
    "opening_payable": "期初应付（上年末应付未付）",
    "raised": "募集（捐赠收入）",
    "approved": "批准资助",
    "disbursed": "已拨付",
    "payable": "期末应付未付",
}


def year_cards(*, year: int, totals: dict, computed: dict, log_size: int | None = None) -> dict:
    """The report's headline cards: opening payable, the year's flows, closing payable, each marked.

    ``totals`` are the year's figures (``year_figures``), ``computed`` the ledger's value of each
    published key (``computed_figures``). A card is *published* when a published key states it
    and the ledger's value for that key equals the card. When the year's figures rest on
    annual-report aggregates, a card no key states was worked out from the report's other figures:
    it is marked inferred (依据报告推断). ``arithmetic`` says opening + approved − disbursed = closing.
    """
    start = date(year, 1, 1)
    opening = fund_totals(on_or_before=start - timedelta(days=1), log_size=log_size)["payable"]
    values = {"opening_payable": opening, **{name: totals[name] for name in CARD_KEYS}}
    keys = {key.replace("-", "_"): value for key, value in computed.items()}
    published = {
        name for name, states in CARD_KEYS.items()
        if any(states(key) and value == values[name] for key, value in keys.items())
    }
    from_reports = as_at(
        LedgerEntry.objects.filter(source=EntrySource.ANNUAL_REPORT, occurred_on__lte=date(year, 12, 31)), log_size,
    ).exists()
    cards = [
        {"name": name, "label": CARD_LABELS[name], "value": value,
         "published": name in published, "inferred": from_reports and name not in published}
        for name, value in values.items()
    ]
    return {
        "cards": cards,
        "any_inferred": any(card["inferred"] for card in cards),
        "arithmetic": {"opening": opening, "approved": values["approved"], "disbursed": values["disbursed"],
                       "closing": values["payable"],
                       "adds_up": opening + values["approved"] - values["disbursed"] == values["payable"]},
    }
