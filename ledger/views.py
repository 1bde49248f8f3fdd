"""Public pages and downloads of the ledger; each view only calls selectors and renders."""

import csv
import io
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fundsite.inputs import ID_MAX, YEAR_MAX, YEAR_MIN, int_parse
from ledger import selectors
from ledger.exports import export_csv_chunks, export_json_chunks
from ledger.templatetags.ledger_tags import with_bars

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}
VERIFY_CACHE_SECONDS = 300


def _int_param(request, name, low, high):
    """An optional integer query parameter; (value, None) or (None, error response).

    The error is JSON and names the parameter and the range, never the raw input.
    """
    raw = request.GET.get(name, "")
    if raw == "":
        return None, None
    try:
        if raw != raw.strip():  # open-data links are exact: a padded value is refused, not guessed at
            raise ValidationError(name)
        return int_parse(raw, low=low, high=high, label=name), None
    except ValidationError:
        return None, JsonResponse(
            {"error": "bad_parameter", "parameter": name, "message": f"{name} 应为 {low}–{high} 之间的整数（半角数字）。"},
            status=400, json_dumps_params={"ensure_ascii": False},
        )


@require_GET
def fund_page(request):
    """/fund/: raised, approved, disbursed and payable per year, in total and by category."""
    by_category = selectors.flow_by_category()
    for row, bar in zip(by_category, with_bars(by_category, "category", "approved"), strict=True):
        row["bar"] = bar["bar"]
    context = {
        "totals": selectors.raised_not_disbursed(),
        "by_year": selectors.flow_by_year(),
        "by_category": by_category,
        "head": selectors.chain_head(),
        "log_head": selectors.head_json(latest) if (latest := selectors.latest_head()) else None,
        "labels": selectors.FIGURE_LABELS,
        "og_title": "资金流向",
    }
    return render(request, "ledger/fund_page.html", context)


@require_GET
def ledger_download(request, fmt):
    """The whole ledger, or an extract by ?year= and/or ?project=, as verifiable JSON or CSV, streamed."""
    year, error = _int_param(request, "year", YEAR_MIN, YEAR_MAX)
    project_id, project_error = _int_param(request, "project", 1, ID_MAX)
    if error or project_error:
        return error or project_error
    export = export_json_chunks if fmt == "json" else export_csv_chunks
    response = StreamingHttpResponse(export(year=year, project_id=project_id), content_type=CONTENT_TYPES[fmt])
    name = "-".join(["ledger", *([str(year)] if year else []), *([f"project{project_id}"] if project_id else [])])
    name = f"{name}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _figures_csv(figures):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "name", "raised", "approved", "disbursed", "payable", "refunded", "fees"])
    columns = ["raised", "approved", "disbursed", "payable", "refunded", "fees"]
    writer.writerow(["totals", figures["year"], *[figures["totals"][c] for c in columns]])
    for row in figures["by_category"]:
        writer.writerow(["category", row["category"], *[row[c] for c in columns]])
    for row in figures["by_project"]:
        writer.writerow(["project", row["project__title"], *[row[c] for c in columns]])
    for row in figures["income_by_channel"]:
        writer.writerow(["income_channel", row["channel"], row["amount"], "", "", "", "", ""])
    head = figures.get("head")
    if head:
        # The signed head these figures were computed at, one field per column after the size.
        writer.writerow(["log_head", head["size"], head["root_hash"], head["timestamp"], head["key_id"],
                         head["signature"], head["origin"], ""])
    return "\ufeff" + buffer.getvalue()


@require_GET
def year_figures_download(request, year, fmt):
    """One year's computed figures as open data (schema documented in the README).

    Computed at a signed tree head, carried in the file: the latest, or ``?size=`` for the head
    of that size (the size an annual report pinned), counting only the log's first ``size`` entries.
    """
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404("没有这一年的数据。")
    size, error = _int_param(request, "size", 1, ID_MAX)
    if error:
        return error
    head = selectors.disclosure_head(size)
    if head is None and size is not None:
        return JsonResponse(
            {"error": "no_such_head", "parameter": "size",
             "message": f"日志目前只有 {selectors.log_size()} 条，没有规模为 {size} 的树头。"},
            status=404, json_dumps_params={"ensure_ascii": False},
        )
    # An empty log has no head: the figures are then those of an empty ledger.
    figures = selectors.year_figures(year=year, log_size=head["size"] if head else 0)
    figures["head"] = head
    if fmt == "csv":
        response = HttpResponse(_figures_csv(figures), content_type=CONTENT_TYPES["csv"])
    else:
        response = JsonResponse(figures, json_dumps_params={"ensure_ascii": False, "default": str})
    suffix = f"-at-{head['size']}" if size is not None else ""
    response["Content-Disposition"] = f'attachment; filename="fund-figures-{year}{suffix}.{fmt}"'
    return response


def _verified():
    """The chain check, cached only under a key that names the head and a fingerprint of every row.

    Any change to any entry (or voucher seal) changes the fingerprint, so a cached result is
    never older than the data and every worker computes the same key. Voucher files are
    re-hashed by ledger_verify, not here: a page view should not read every file.
    """
    head = selectors.chain_head()
    fingerprint = selectors.chain_fingerprint()
    if fingerprint is None:
        return selectors.chain_verify(vouchers=False), head
    key = f"ledger-verify:v2:{head['id']}:{head['entry_hash']}:{fingerprint}"
    result = cache.get(key)
    if result is None:
        result = selectors.chain_verify(vouchers=False)
        cache.set(key, result, VERIFY_CACHE_SECONDS)
    return result, head


@require_GET
def verify_page(request):
    """Re-verify the chain for anyone, against the chain-head row."""
    result, head = _verified()
    if request.GET.get("format") == "json":
        return JsonResponse({"ok": not result["problems"], **result}, json_dumps_params={"ensure_ascii": False})
    return render(request, "ledger/verify_page.html", {"result": result, "head": head, "og_title": "核验账本"}, status=200)




VERIFIER_PATH = Path(__file__).with_name("verify_log.py")
WITNESS_PATH = Path(__file__).with_name("witness.py")


@require_GET
def log_page(request):
    """/fund/log/: the latest signed head, the public key, and how anyone checks a proof."""
    from ledger.signing import current_key_id, public_key_b64

    head = selectors.latest_head()
    context = {
        "head": selectors.head_json(head) if head else None,
        "recent_heads": [selectors.head_json(h) for h in selectors.published_heads(limit=10)],
        "public_key": public_key_b64(), "key_id": current_key_id(), "origin": settings.LEDGER_LOG_ORIGIN,
        "og_title": "透明日志",
        "witnesses": selectors.witnesses_overview(),
    }
    return render(request, "ledger/log_page.html", context)


@require_GET
def verifier_download(request):
    """The standalone verifier itself, so a citizen runs exactly what the page describes."""
    response = HttpResponse(VERIFIER_PATH.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_log.py"'
    return response


@require_GET
def witness_download(request):
    """The witness command (it needs verify_log.py beside it)."""
    response = HttpResponse(WITNESS_PATH.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="witness.py"'
    return response
