"""From what a person typed to what the index is asked: synonyms, run-together words, pinyin, partial matching.

The analyser (``search.analysis``) turns text into tokens; this module decides
which tokens a query needs, using the index's own statistics through a
``counter`` the backend provides (``counter(groups, cap)``: for each group of
tokens, how many indexed pages hold them all, counted up to ``cap``). Every
backend plans with the same rules on the same counts, so all give the same answers:

* a typed word that is a synonym (``SynonymSet``, edited in the admin, read at
  query time) matches any word of its set;
* a run of Chinese characters is cut where an adjacent pair occurs nowhere in
  the index, or around a synonym it contains, so that 太原植树 is 太原 + 植树;
* a word of letters found nowhere as typed is read as pinyin, full or initials;
  adjacent such words are read together (jin ci = jinci);
* a word found nowhere is left out, and said so, unless nothing but single
  characters cut from a word would be left;
* when rare words are typed apart from common ones (in more than ``COMMON_SHARE``
  of the pages, such as 志愿服务), the common ones only rank, as Elasticsearch's
  ``common`` terms query does;
* ``relaxed``: when no page holds every word, pages holding most of them
  (``minimum_should_match`` over words weighted by rarity), best first.
"""

from dataclasses import dataclass, field
from itertools import combinations
from math import log

from search.analysis import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TOKENS,
    _bigrams,
    _is_cjk,
    _runs,
    normalise,
    pinyin_plain,
    pinyin_query_tokens,
)

# A word in more than this share of the pages is common: with a rarer word beside it, it only ranks.
COMMON_SHARE = 0.3
# A relaxed match holds words worth at least this share of the query's weight (minimum_should_match: 50%).
MINIMUM_SHOULD_MATCH = 0.5
# A relaxed query of more words than this asks for any one of them.
MAX_RELAXED_TERMS = 8


@dataclass
class Term:
    """One thing the person asked for: alternatives, each a list of tokens that must all be present."""

    word: str
    alternatives: list
    required: bool = True
    fragment: bool = False  # a single character left over from cutting a run: it ranks, never required
    weight: int = 1  # how much finding it counts, in TERM_WEIGHTs (by rarity, when relaxed)
    origin: int = 0  # which typed word it comes from

    @property
    def tokens(self):
        return list(dict.fromkeys(token for alternative in self.alternatives for token in alternative))


@dataclass
class Plan:
    """What the index is asked: terms, and what was left out or made optional (for the person to read)."""

    terms: list = field(default_factory=list)
    unknown: list = field(default_factory=list)
    optional: list = field(default_factory=list)
    relaxed: bool = False

    @property
    def required(self):
        return [term for term in self.terms if term.required]

    @property
    def can_relax(self):
        """Whether a relaxed query means anything: two words at least, single characters cut from a word aside."""
        return len([term for term in self.terms if not term.fragment]) > 1

    def relax(self, counter, total):
        """The same terms, none required: pages holding most of the query, weighted by rarity, best first.

        A word's weight is ``round(10 * ln(total / pages holding it))`` (at least 1), the inverse
        document frequency in whole numbers so every backend adds them up exactly alike.
        """
        terms = [Term(t.word, t.alternatives, required=False, fragment=t.fragment, origin=t.origin)
                 for t in self.terms]
        counts = _Counts(counter).fetch([alt for t in terms for alt in t.alternatives], max(total, 1))
        position = 0
        for term in terms:
            found = sum(counts[position : position + len(term.alternatives)])
            position += len(term.alternatives)
            term.weight = max(1, round(10 * log(max(total, 1) / max(found, 1))))
        return Plan(terms=terms, unknown=self.unknown, optional=[], relaxed=True)

    def relaxed_groups(self):
        """The smallest sets of words a relaxed match must hold one of: together at least
        ``MINIMUM_SHOULD_MATCH`` of the query's weight (Elasticsearch's minimum_should_match, by weight)."""
        wanted = [t for t in self.terms if not t.fragment]
        if len(wanted) > MAX_RELAXED_TERMS:
            return [[term] for term in wanted]
        needed = sum(t.weight for t in wanted) * MINIMUM_SHOULD_MATCH
        groups = []
        for size in range(1, len(wanted) + 1):
            for group in combinations(wanted, size):
                if sum(t.weight for t in group) >= needed and not any(
                    set(map(id, smaller)) <= set(map(id, group)) for smaller in groups
                ):
                    groups.append(group)
        return [list(group) for group in groups]


def _query_tokens(word):
    """A word's tokens as the analyser reads a query: bigrams of a Chinese run, Latin and numbers whole."""
    tokens = []
    for run in _runs(word):
        tokens.extend(_bigrams(run) if _is_cjk(run) and len(run) > 1 else [run])
    return list(dict.fromkeys(tokens))


def _synonym_alternatives(word, synonyms):
    group = synonyms.get(word)
    if not group:
        return None
    return [_query_tokens(w) for w in [word, *(w for w in group if w != word)] if _query_tokens(w)]


def _cut_by_synonyms(run, synonyms):
    """Split a Chinese run around the longest synonym words it contains: 孤独症儿童 -> 孤独症, 儿童."""
    pieces, start, plain = [], 0, 0
    longest = max((len(w) for w in synonyms), default=0)
    while start < len(run):
        for length in range(min(longest, len(run) - start), 1, -1):
            if run[start : start + length] in synonyms:
                if plain < start:
                    pieces.append((run[plain:start], False))
                pieces.append((run[start : start + length], True))
                start += length
                plain = start
                break
        else:
            start += 1
    if plain < len(run):
        pieces.append((run[plain:], False))
    return pieces


class _Counts:
    """Counts asked of the index, remembered for the query (one round trip per batch)."""

    def __init__(self, counter):
        self.counter = counter
        self.known = {}

    def fetch(self, groups, cap):
        wanted = [g for g in dict.fromkeys(tuple(g) for g in groups) if (g, cap) not in self.known]
        if wanted:
            for group, count in zip(wanted, self.counter([list(g) for g in wanted], cap), strict=True):
                self.known[(group, cap)] = count
        return [self.known[(tuple(g), cap)] for g in groups]

    def present(self, token):
        return self.fetch([[token]], 1)[0] > 0


def _cut_run(run, counts):
    """Cut a Chinese run where an adjacent pair is nowhere in the index: 太原植树 -> 太原, 植树."""
    pairs = _bigrams(run)
    if len(pairs) < 2:
        return [run]
    found = counts.fetch([[pair] for pair in pairs], 1)
    pieces, start = [], 0
    for i, count in enumerate(found):
        if not count:
            pieces.append(run[start : i + 1])
            start = i + 1
    pieces.append(run[start:])
    return [piece for piece in pieces if piece]


def _words(query, counts):
    """The typed words; a word of letters found nowhere as typed is read as plain pinyin (jin4ci2 -> jinci),
    and adjacent such words together (jin ci -> jinci)."""
    merged = []
    for word in normalise(query)[:MAX_QUERY_CHARS].split():
        plain = pinyin_plain(word)
        if plain and not (word.isascii() and word.isalnum() and counts.present(word)):
            if merged and merged[-1][1]:
                merged[-1] = (merged[-1][0] + plain, True)
            else:
                merged.append((plain, True))
        else:
            merged.append((word, False))
    return [word for word, _pinyin in merged]


def plan_query(query, counter, *, synonyms=None, total=None):
    """The ``Plan`` for a typed query; ``total`` (pages in the index, or a callable giving it) enables the
    common-word rule."""
    synonyms = synonyms or {}
    counts = _Counts(counter)
    terms = []
    for origin, word in enumerate(_words(query, counts)):
        alternatives = _synonym_alternatives(word, synonyms)
        if alternatives:
            terms.append(Term(word, alternatives, origin=origin))
            continue
        runs = _runs(word)
        if len(runs) == 1 and _is_cjk(runs[0]) and len(runs[0]) > 1:
            for piece, is_synonym in _cut_by_synonyms(runs[0], synonyms):
                if is_synonym:
                    terms.append(Term(piece, _synonym_alternatives(piece, synonyms), origin=origin))
                    continue
                for part in _cut_run(piece, counts):
                    terms.append(Term(part, [_query_tokens(part)], fragment=len(part) == 1 and part != word,
                                      origin=origin))
            continue
        tokens = _query_tokens(word)
        if not tokens:
            continue
        if len(runs) == 1 and runs[0].isalpha() and runs[0].isascii() and not counts.present(runs[0]):
            pinyin = pinyin_query_tokens(runs[0])
            if pinyin:
                terms.append(Term(word, [pinyin], origin=origin))
                continue
        terms.append(Term(word, [tokens], origin=origin))
    terms = _within_budget(terms)
    plan = Plan(terms=terms)
    if not terms:
        return plan
    # A word found nowhere is left out, unless nothing would be left.
    found = counts.fetch([alt for t in terms for alt in t.alternatives], 1)
    present, position = [], 0
    for term in terms:
        present.append(any(found[position : position + len(term.alternatives)]))
        position += len(term.alternatives)
    # A single character left over from cutting a word never stands for the query on its own.
    if any(ok and not term.fragment for term, ok in zip(terms, present, strict=True)) and not all(present):
        plan.unknown = _unknown_words(terms, present)
        plan.terms = terms = [t for t, ok in zip(terms, present, strict=True) if ok]
    for term in terms:
        if term.fragment and len(terms) > 1:
            term.required = False
    # The common-word rule is about words typed apart; pieces of one typed word are never counted.
    if total and len({t.origin for t in terms if t.required}) > 1:
        total = total() if callable(total) else total
        cap = int(total * COMMON_SHARE) + 1
        required = [t for t in terms if t.required]
        shares = counts.fetch([alt for t in required for alt in t.alternatives], cap)
        common, position = [], 0
        for term in required:
            common.append(sum(shares[position : position + len(term.alternatives)]) >= cap)
            position += len(term.alternatives)
        if not all(common):
            for term, is_common in zip(required, common, strict=True):
                if is_common:
                    term.required = False
                    plan.optional.append(term.word)
    if not any(t.required for t in terms):
        for term in terms:
            term.required = True
    return plan


def _unknown_words(terms, present):
    """The words found nowhere, adjacent pieces of one typed word put back together (二 维 码 -> 二维码)."""
    words, last = [], None
    for index, (term, ok) in enumerate(zip(terms, present, strict=True)):
        if ok:
            continue
        if last == index - 1 and terms[last].origin == term.origin:
            words[-1] += term.word
        else:
            words.append(term.word)
        last = index
    return words


def _within_budget(terms):
    """At most MAX_QUERY_TOKENS tokens in all, in the order typed."""
    kept, budget = [], MAX_QUERY_TOKENS
    for term in terms:
        size = len(term.tokens)
        if size > budget:
            break
        kept.append(term)
        budget -= size
    return kept
