"""Marking what matched: the same normalisation as the analyser, mapped back to the original text.

Full-width letters, case and traditional characters are folded only for finding
matches; the text shown keeps its own characters (full-width punctuation stays
full-width, 晉祠 stays 晉祠). The tokens marked are the query's, or those a search
plan gives (a synonym's, so that 孤独症 marks 自闭症).
"""

import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

from search.analysis import query_tokens, to_simplified

SNIPPET_CHARS = 90


def _normalised_with_map(text):
    """The normalised text and, for each of its characters, the index of the original character."""
    chars, origin = [], []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower()
        chars.append(folded)
        origin.extend([index] * len(folded))
    text = "".join(chars)
    simplified = to_simplified(text)
    # OpenCC converts character for character here; should a phrase ever change length, keep the unfolded text.
    return (simplified if len(simplified) == len(text) else text), origin


def match_spans(text, q, tokens=None):
    """Sorted, merged (start, end) spans of ``text`` where a query token (or one of ``tokens``) occurs."""
    tokens = query_tokens(q) if tokens is None else tokens
    if not text or not tokens:
        return []
    folded, origin = _normalised_with_map(text)
    spans = []
    for token in tokens:
        start = folded.find(token)
        while start != -1:
            end = start + len(token)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(token, start + 1)
    spans.sort()
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text, spans, offset=0):
    out, cursor = [], offset
    for start, end in spans:
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def highlight(text, q, tokens=None):
    """The whole text, escaped, with matches wrapped in <mark>."""
    return mark_safe(_render(text, match_spans(text, q, tokens)))  # noqa: S308 - every piece is escaped above


def snippet(text, q, size=SNIPPET_CHARS, tokens=None):
    """A window of ``size`` characters around the first match, escaped, matches marked."""
    if not text:
        return ""
    spans = match_spans(text, q, tokens)
    start = max(0, spans[0][0] - size // 3) if spans else 0
    end = min(len(text), start + size)
    window = [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]
    body = _render(text[:end], window, offset=start)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + body + suffix)  # noqa: S308 - every piece is escaped in _render
