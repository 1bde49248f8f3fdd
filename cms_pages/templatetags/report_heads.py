"""The signed head an annual report pinned, and the proof that it extends the earlier report's."""

from django import template

from cms_pages.heads import report_head_context
from ledger.signing import public_key_b64

register = template.Library()


@register.simple_tag
def report_heads(page):
    """Everything the report page shows about its pinned head (see cms_pages.heads.report_head_context).

    ``consistency_block`` is the proof in the shape ledger/includes/log_proof.html renders.
    """
    context = {**report_head_context(page), "public_key": public_key_b64()}
    proof = context.get("consistency")
    if proof:
        context["consistency_block"] = {
            "kind": "consistency", "data": proof, "public_key": context["public_key"],
            "url": f"/fund/log/proof/consistency?first={int(proof['first'])}&second={int(proof['second'])}",
        }
    return context
