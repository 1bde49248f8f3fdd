"""The signed head an annual report pinned, and the proof that it extends the earlier report's."""

import functools

from django import template

from cms_pages.heads import report_head_context
from ledger.signing import public_key_b64

register = template.Library()

LOG_CHECK_SCRIPT = "ledger/log-check.js"


@register.simple_tag
def report_heads(page):
    """Everything the report page shows about its pinned head (see cms_pages.heads.report_head_context)."""
    return {**report_head_context(page), "public_key": public_key_b64()}


# What json_script escapes, so the JSON cannot close its <script> element or open a comment.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def log_proof_data(value):
    """The proof as a JSON data block for ledger/log-check.js, escaped as Django's json_script does."""
    import json

    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/json" class="log-proof-data">{}</script>', mark_safe(text))


@functools.lru_cache(maxsize=1)
def _log_check_present():
    from django.contrib.staticfiles import finders

    return finders.find(LOG_CHECK_SCRIPT) is not None


@register.simple_tag
def log_check_script():
    """The browser check for proof blocks, once the ledger app ships it (a block without it still shows its data)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    if not _log_check_present():
        return ""
    return format_html('<script src="{}" defer></script>', static(LOG_CHECK_SCRIPT))
