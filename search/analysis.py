"""Chinese text analysis shared by every search backend, so that they all agree.

Text is normalised (NFKC folds full-width letters, digits and punctuation to
their half-width forms; Latin is lower-cased; traditional characters are folded
to simplified ones with OpenCC's own conversion table, ``t2s``), then split
into runs:

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

A title's Chinese runs are also indexed as pinyin (``pinyin_tokens``): each
syllable, each pair of adjacent syllables and each pair of adjacent initials,
marked so that they never meet a Latin word of the text. A query word of
letters is read as pinyin (``pinyin_query_tokens``) when it is not found as typed.

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


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text):
    """Traditional characters folded to simplified ones (OpenCC t2s: 晉祠 -> 晋祠, 戲曲 -> 戏曲)."""
    return _opencc().convert(text) if text else text


def normalise(text):
    """Fold full-width forms, case and traditional characters: ２０２１ and 2021, ＰＣ and pc, 晉祠 and 晋祠 match."""
    return to_simplified(unicodedata.normalize("NFKC", text or "").lower())


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


# Pinyin tokens carry a mark no typed word has: a word never starts with a digit followed by letters
# and is read as one token by FTS5, tsvector's 'simple' parser and the whitespace analyser alike.
PINYIN_MARK = "0p"
INITIALS_MARK = "0i"
_TONE_DIGITS = re.compile(r"(?<=[a-z])[1-5]")


@lru_cache(maxsize=1)
def _syllables():
    """Every toneless pinyin syllable (ü written v, as people type it)."""
    from pypinyin.pinyin_dict import pinyin_dict

    syllables = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
            syllables.add(plain.replace("ü", "v").lower())
    return frozenset(s for s in syllables if s.isascii() and s.isalpha())


def _run_pinyin(run):
    from pypinyin import Style, lazy_pinyin

    return [s for s in lazy_pinyin(run, style=Style.NORMAL, errors="ignore") if s.isalpha()]


def pinyin_tokens(text):
    """Pinyin tokens for a title: syllables, adjacent syllable pairs and adjacent initial pairs, per Chinese run."""
    tokens = []
    for run in _CJK_RUN.findall(normalise(text)):
        syllables = _run_pinyin(run)
        tokens.extend(PINYIN_MARK + s for s in syllables)
        tokens.extend(PINYIN_MARK + a + b for a, b in zip(syllables, syllables[1:], strict=False))
        tokens.extend(INITIALS_MARK + a[0] + b[0] for a, b in zip(syllables, syllables[1:], strict=False))
    return tokens


def pinyin_text(text):
    """``pinyin_tokens`` as stored, space-separated."""
    return " ".join(pinyin_tokens(text))


def _segment_pinyin(letters):
    """The fewest syllables that spell ``letters`` exactly (jinci -> jin ci), or None."""
    syllables = _syllables()
    best = [None] * (len(letters) + 1)
    best[0] = []
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 6), end):
            if best[start] is not None and letters[start:end] in syllables:
                candidate = best[start] + [letters[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[-1]


def pinyin_plain(word):
    """What a typed pinyin word spells without tone marks, tone digits or apostrophes: jìn'cí, jin4ci2 -> jinci."""
    plain = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))
    plain = _TONE_DIGITS.sub("", plain.replace("ü", "v")).replace("'", "")
    return plain if plain.isascii() and plain.isalpha() else ""


def pinyin_query_tokens(word):
    """Tokens that find a title by the typed pinyin ``word``: full syllables, else initials; [] if neither."""
    plain = pinyin_plain(word)
    if not plain:
        return []
    syllables = _segment_pinyin(plain)
    if syllables:
        if len(syllables) == 1:
            return [PINYIN_MARK + syllables[0]]
        return list(dict.fromkeys(PINYIN_MARK + a + b for a, b in zip(syllables, syllables[1:], strict=False)))
    if 2 <= len(plain) <= 12:
        return list(dict.fromkeys(INITIALS_MARK + a + b for a, b in zip(plain, plain[1:], strict=False)))
    return []


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
