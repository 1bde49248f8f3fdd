"""Chinese text analysis shared by every search backend, so that they all agree.

Text is normalised (NFKC folds full-width letters, digits and punctuation to
their half-width forms; Latin is lower-cased), then split into runs:

* a run of CJK characters is indexed as its unigrams and its overlapping
  bigrams (what Elasticsearch's ``cjk`` analyser does, plus unigrams so that
  one-character queries work);
* a run of Latin letters and digits is one token (``2021``, ``pc``, ``a1b``);
* an amount such as ``52,116.00`` is its whole-yuan number (``52116``), so that
  ``52116`` and ``52,116`` find it and its cents never pass for another number;
* everything else (punctuation, emoji, symbols, FTS operators) separates tokens.

A query is analysed the same way except that a CJK run of two or more
characters becomes only its bigrams: every bigram must be present, which
matches the run as a phrase without a dictionary.

The dictionary alternative (jieba) is kept here for the measurement in
``benchmarks/bench_search.py``; the bigram analyser is the one in use.
"""

import re
import unicodedata
from functools import lru_cache

# CJK ideographs (basic, extension A, compatibility), kana and hangul.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# A number written with thousands separators or decimals (1,191,516.30) is one run.
_RUN = re.compile(rf"[{_CJK}]+|[0-9]+(?:[.,][0-9]+)+|[a-z0-9]+")
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")

# A query longer than this is cut: nobody types more, and it bounds the work.
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 32


def normalise(text):
    """Fold full-width forms and case so that ２０２１ and 2021, ＰＣ and pc match."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _whole_number(run):
    """1,191,516.30 -> 1191516: separators dropped, decimals cut."""
    return run.replace(",", "").split(".")[0]


def _runs(text):
    return [_whole_number(run) if _NUMBER.fullmatch(run) else run for run in _RUN.findall(normalise(text))]


def _is_cjk(run):
    return bool(_CJK_RUN.fullmatch(run))


def _bigrams(run):
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text):
    """Tokens to store for a document's text, in order, repeats kept."""
    tokens = []
    for run in _runs(text):
        if _is_cjk(run):
            tokens.extend(run)
            tokens.extend(_bigrams(run))
        else:
            tokens.append(run)
    return tokens


def query_terms(query):
    """The query as a list of terms, each a list of tokens that must all match.

    A term is one whitespace-separated word of what the person typed, so that
    ``自闭症 老人`` means (自闭 and 闭症) and (老人).
    """
    query = normalise(query)[:MAX_QUERY_CHARS]
    terms, seen, budget = [], set(), MAX_QUERY_TOKENS
    for word in query.split():
        tokens = []
        for run in _runs(word):
            candidates = _bigrams(run) if _is_cjk(run) and len(run) > 1 else [run]
            for token in candidates:
                if token not in seen and budget > 0:
                    seen.add(token)
                    tokens.append(token)
                    budget -= 1
        if tokens:
            terms.append(tokens)
    return terms


def query_tokens(query):
    """Every token of the query, flattened, without repeats."""
    return [token for term in query_terms(query) for token in term]


def index_text(text):
    """Document text as stored in a full-text column: tokens joined by spaces, padded.

    The padding lets a plain ``LIKE '% token %'`` test a token's presence, which
    is how ranking is computed identically on SQLite and PostgreSQL.
    """
    tokens = index_tokens(text)
    return f" {' '.join(tokens)} " if tokens else ""


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def jieba_index_tokens(text):
    """Dictionary segmentation in search mode (words and their sub-words)."""
    text = normalise(text)
    return [t for t in _jieba().cut_for_search(text) if _RUN.fullmatch(t)]


def jieba_query_tokens(query):
    """Dictionary segmentation of a query (precise mode)."""
    query = normalise(query)[:MAX_QUERY_CHARS]
    tokens = []
    for token in _jieba().cut(query):
        if _RUN.fullmatch(token) and token not in tokens:
            tokens.append(token)
    return tokens[:MAX_QUERY_TOKENS]
