"""``{% script_nonce %}``: the response's CSP nonce, for templates rendered without the request."""

from django import template

from fundsite.csp import script_nonce as _script_nonce

register = template.Library()


@register.simple_tag
def script_nonce():
    return _script_nonce()
