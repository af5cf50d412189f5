"""Rule signals for the claim → aim matcher: service topics, headings, named programmes.

Domain knowledge is keyed by TOPIC, never by a plan's ids: ``models/lexicons/topics.yaml`` is a
taxonomy of what councils and public bodies do (climate, nature, waste, highways, SEND, adult
social care, ...), each topic with a generic vocabulary, plus the "not evidence" side
(finance, governance, introductions, boilerplate). The matcher maps the topics onto a plan's
elements from the plan's own words (:func:`topic_profile`), so the same file serves any plan.
Local place and programme names, if wanted, go in an optional per-plan file
(:func:`load_lexicon` ``local=``), never in the shipped taxonomy. Named programmes are taken
from the plan's own elements (capitalised phrases such as "Bus Service Improvement Plan").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz import fuzz, process
from scipy import sparse

from pipeline.config import LEXICONS_DIR
from pipeline.ingest.plan_layout import rules
from pipeline.plan.model import Plan
from pipeline.rulefiles import read_yaml, validated

NONE = "none"
_K = TypeVar("_K", str, bytes)
LEXICON_FILE = LEXICONS_DIR / "topics.yaml"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9£\"'‘“(])")
_PROPER = re.compile(r"\b(?:[A-Z][\w'&-]*\s+){1,5}[A-Z][\w'&-]*\b")
_STOP_PROPER = {"The", "Our", "We", "In", "This", "Council", "County", "Work", "Support",
                "Develop", "Deliver", "Provide", "Increase", "Improve", "Ensure", "Promote", "Percentage",
                "Number", "Rate", "Through", "With", "Reduce", "Create"}


def split_sentences(text: str) -> list[str]:
    """A cheap sentence split for training text (claims arrive already split)."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if len(s.split()) >= 4]


# --------------------------------------------------------------------------- the taxonomy file


def _phrases(value: list[str]) -> list[str]:
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ValueError(f"terms must be non-empty phrases, got {bad!r}")
    return value


class TopicSpec(BaseModel):
    """One service topic: the domain it belongs to and its generic vocabulary."""

    model_config = ConfigDict(extra="forbid")
    domain: str
    terms: list[str] = Field(min_length=1)
    _check = field_validator("terms")(_phrases)


class NotEvidenceSpec(BaseModel):
    """Text about the organisation or the document itself: the abstention evidence."""

    model_config = ConfigDict(extra="forbid")
    terms: list[str] = Field(default_factory=list)
    headings: list[str] = Field(default_factory=list)
    _check = field_validator("terms", "headings")(_phrases)


class OffTopicSpec(BaseModel):
    """When a whole document is not about public services at all (a software manual)."""

    model_config = ConfigDict(extra="forbid")
    min_share: float = Field(default=0.0, ge=0.0, le=1.0)
    min_claims: int = Field(default=0, ge=0)


class TaxonomyFile(BaseModel):
    """``models/lexicons/topics.yaml``; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")
    version: int = 1
    topics: dict[str, TopicSpec] = Field(min_length=1)
    not_evidence: NotEvidenceSpec = Field(default_factory=NotEvidenceSpec)
    off_topic: OffTopicSpec = Field(default_factory=OffTopicSpec)


class LocalTermsFile(BaseModel):
    """An optional per-plan file: local place and programme names added to topics.

    ``topics`` maps a topic of the taxonomy (or a new topic name) to extra terms;
    ``not_evidence`` adds abstention terms (a council's own committee names).
    """

    model_config = ConfigDict(extra="forbid")
    topics: dict[str, list[str]] = Field(default_factory=dict)
    not_evidence: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Lexicon:
    """Compiled term patterns per topic, the abstention terms and headings, the off-topic rule."""

    topics: tuple[str, ...]
    terms: dict[str, tuple[TermPattern, ...]]
    none_terms: tuple[TermPattern, ...]
    none_headings: tuple[str, ...]
    #: a document with at least ``off_topic_min_claims`` sentences, fewer than
    #: ``off_topic_min_share`` of which use a topic term, is not linked at all
    off_topic_min_share: float = 0.0
    off_topic_min_claims: int = 0
    #: the term lists as written (what a fitted matcher stores to be self-contained)
    source: tuple[tuple[str, tuple[str, ...]], ...] = ()


class TermPattern:
    """A term's regular expression (``pattern``, ``flags``), compiled at its first search.

    Why not compiled up front: the taxonomy holds ~1,500 terms and compiling them all cost
    about 0.1 s of every run, while most are never searched (a one-word term is matched by
    its word alone in an ASCII text, see :func:`_term_index`, and the rest only when their
    words are in the text). Searching gives what ``re.compile(pattern, flags).search`` gives.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def search(self, text: str) -> re.Match[str] | None:
        """``re.compile(self.pattern, self.flags).search(text)``."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self.flags)
        return compiled.search(text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TermPattern) and (self.pattern, self.flags) == (other.pattern, other.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"TermPattern({self.pattern!r}, {self.flags!r})"


@cache
def _term_pattern(term: str) -> TermPattern:
    """A term's pattern, one object per term and process: the shipped taxonomy and every
    loaded matcher's own copy of it hold the same ~1,500 terms."""
    body = r"\s+".join(re.escape(w) for w in term.split())
    flags = 0 if (term.isupper() and len(term) > 1) else re.IGNORECASE
    return TermPattern(rf"(?<![\w-]){body}(?![\w-])", flags)


def build_lexicon(topics: dict[str, list[str]], none_terms: list[str], none_headings: list[str],
                  min_share: float = 0.0, min_claims: int = 0) -> Lexicon:
    """Compile term lists into a :class:`Lexicon` (used by the loader and by a saved matcher)."""
    names = tuple(topics)
    return Lexicon(
        topics=names,
        terms={t: tuple(_term_pattern(w) for w in dict.fromkeys(topics[t])) for t in names},
        none_terms=tuple(_term_pattern(w) for w in dict.fromkeys(none_terms)),
        none_headings=tuple(str(h).lower() for h in none_headings),
        off_topic_min_share=min_share, off_topic_min_claims=min_claims,
        source=tuple((t, tuple(topics[t])) for t in names)
        + (("__none__", tuple(none_terms)), ("__headings__", tuple(none_headings))),
    )


def lexicon_from_source(source: tuple, min_share: float, min_claims: int) -> Lexicon:
    """Rebuild a lexicon from :attr:`Lexicon.source` (a saved matcher's own copy)."""
    parts = dict(source)
    none_terms = list(parts.pop("__none__", ()))
    heads = list(parts.pop("__headings__", ()))
    return build_lexicon({k: list(v) for k, v in parts.items()}, none_terms, heads,
                         min_share, min_claims)


def load_lexicon(path: Path = LEXICON_FILE, local: Path | None = None) -> Lexicon:
    """Read the taxonomy (validated; errors name the file and key), plus an optional per-plan file."""
    spec = validated(TaxonomyFile, read_yaml(path), path)
    topics = {name: list(t.terms) for name, t in spec.topics.items()}
    none_terms = list(spec.not_evidence.terms)
    if local is not None:
        extra = validated(LocalTermsFile, read_yaml(local), local)
        for name, words in extra.topics.items():
            _phrases(words)
            topics.setdefault(name, []).extend(words)
        none_terms += extra.not_evidence
    return build_lexicon(topics, none_terms, list(spec.not_evidence.headings),
                         spec.off_topic.min_share, spec.off_topic.min_claims)


@cache
def lexicon() -> Lexicon:
    """The shipped taxonomy, loaded once."""
    return load_lexicon()


#: A multi-word term ("electric buses", "road safety") is more specific than a single word
#: ("bus", "road"), so it counts as this many hits.
MULTIWORD_WEIGHT = 2.0


#: one term of the lexicon, ready to test: (column of its topic, pattern, needle, weight)
_Entry = tuple[int, TermPattern, str, float]
_WORD = re.compile(r"\w+")
_RUN = re.compile(r"[\w-]+")
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_-]+")
#: a word character outside ASCII: a text without one (in it or in its lower case) has only
#: ASCII words, whatever its punctuation ("£", "–", curly quotes), so the ASCII path holds
_NON_ASCII_WORD = re.compile(r"(?![\x00-\x7f])\w")


@dataclass(frozen=True)
class _TermIndex:
    """The terms of a lexicon arranged for :func:`topic_hits` (see :func:`_term_index`)."""

    #: every term by key word, and the terms without one: for any text
    by_word: dict[str, tuple[_Entry, ...]]
    always: tuple[_Entry, ...]
    #: for an ASCII text: the one-word ASCII terms by their word, lower-cased for the
    #: case-blind ones and as written for the case-sensitive ones (acronyms) ...
    runs_ci: dict[str, tuple[_Entry, ...]]
    runs_cs: dict[str, tuple[_Entry, ...]]
    #: the case-sensitive words lower-cased: a text can only hold one as a run if its
    #: lower-cased runs hold it lower-cased
    cs_lower: frozenset[str]
    #: ... and the other terms, by needle (the first word, lower-cased), searched as for any
    #: text but only when the needle and every word of the term are in the lower-cased text
    #: (the words when the term is ASCII)
    rest_by_needle: dict[str, tuple[_Entry, ...]]
    words: dict[int, tuple[str, ...]]
    #: ... of which the case-blind multi-word terms whose words are all plain runs (ASCII
    #: letters, digits, ``_``, ``-``) are keyed by their first two words instead: such a term
    #: matches only where those two words are consecutive runs of the lower-cased text
    rest_by_pair: dict[tuple[str, str], tuple[_Entry, ...]] = field(default_factory=dict)


#: per lexicon (by id, the lexicon kept alive beside it so the id is not reused)
_INDEX: dict[int, tuple[Lexicon, _TermIndex]] = {}


def _entries(column: int, patterns: tuple[TermPattern, ...]) -> list[_Entry]:
    return [(column, p, _needle(p), MULTIWORD_WEIGHT if r"\s+" in p.pattern else 1.0)
            for p in patterns]


def _keyed(entries: list[_Entry]) -> tuple[dict[str, tuple[_Entry, ...]], tuple[_Entry, ...]]:
    by_word: dict[str, list[_Entry]] = {}
    always: list[_Entry] = []
    for entry in entries:
        m = _WORD.match(entry[2])
        if m:
            by_word.setdefault(m.group(0), []).append(entry)
        else:
            always.append(entry)
    return {w: tuple(e) for w, e in by_word.items()}, tuple(always)


def _plain_word(pattern: TermPattern) -> str | None:
    """The word of a one-word term made of ASCII letters, digits, ``_`` and ``-`` (else None)."""
    if r"\s+" in pattern.pattern:
        return None
    body = pattern.pattern.split(")", 1)[1].rsplit("(?!", 1)[0]
    word = re.sub(r"\\(.)", r"\1", body)
    return word if _PLAIN_WORD.fullmatch(word) else None


def _term_index(lex: Lexicon) -> _TermIndex:
    r"""Every term of ``lex`` (topics in order, then the abstention terms) keyed by its KEY WORD:
    the first run of word characters of its first word, lower-cased ("children's" -> "children",
    "e-bike" -> "e").

    Why: a text can only match a term whose key word is one of the text's own word runs (the
    pattern starts at a non-word boundary, and its first word's first run of word characters
    ends at a non-word character or at the end of the word, which is followed by a space or a
    non-word character). So a text's words, looked up in this index, give every term that
    can match it, and the other ~1,500 terms are never looked at. A term whose first word does
    not start with a word character has no key and is tested on every text.

    In an ASCII text a one-word ASCII term (``(?<![\w-])word(?![\w-])``) matches exactly when
    the text has a maximal run of word characters and hyphens equal to the word (in lower
    case unless the term is case-sensitive), so those terms need no regex search there. The
    same holds for a text whose only non-ASCII characters are not word characters (nor become
    word characters in lower case): its runs are ASCII, and case-blind matching can only
    pair an ASCII letter with a non-ASCII word character (the Kelvin sign, a long s, a dotted
    capital I), which such a text has none of.
    """
    key = id(lex)
    cached = _INDEX.get(key)
    if cached is None or cached[0] is not lex:
        entries = [e for col, t in enumerate(lex.topics) for e in _entries(col, lex.terms[t])]
        entries += _entries(len(lex.topics), lex.none_terms)
        runs_ci: dict[str, list[_Entry]] = {}
        runs_cs: dict[str, list[_Entry]] = {}
        rest: list[_Entry] = []
        for entry in entries:
            word = _plain_word(entry[1])
            if word is None:
                rest.append(entry)
            elif entry[1].flags & re.IGNORECASE:
                runs_ci.setdefault(word.lower(), []).append(entry)
            else:
                runs_cs.setdefault(word, []).append(entry)
        words = {id(e[1]): tuple(re.sub(r"\\(.)", r"\1", w).lower()
                                 for w in e[1].pattern.split(")", 1)[1].rsplit("(?!", 1)[0]
                                 .split(r"\s+")) for e in rest}
        words = {k: v if all(w.isascii() for w in v) else () for k, v in words.items()}
        by_pair: dict[tuple[str, str], list[_Entry]] = {}
        by_needle: dict[str, list[_Entry]] = {}
        for entry in rest:
            ws = words[id(entry[1])]
            if (len(ws) >= 2 and entry[1].flags & re.IGNORECASE
                    and all(_PLAIN_WORD.fullmatch(w) for w in ws)):
                by_pair.setdefault((ws[0], ws[1]), []).append(entry)
            else:
                by_needle.setdefault(entry[2], []).append(entry)
        index = _TermIndex(*_keyed(entries), {w: tuple(e) for w, e in runs_ci.items()},
                           {w: tuple(e) for w, e in runs_cs.items()},
                           frozenset(w.lower() for w in runs_cs),
                           {w: tuple(e) for w, e in by_needle.items()}, words,
                           {w: tuple(e) for w, e in by_pair.items()})
        if len(_INDEX) >= 8:  # each loaded matcher brings its own lexicon: keep the last few
            _INDEX.pop(next(iter(_INDEX)))
        cached = _INDEX[key] = (lex, index)
    return cached[1]


def _needle(pattern: TermPattern) -> str:
    body = pattern.pattern.split(")", 1)[1]  # after the (?<![\w-]) guard
    first = body.split(r"\s+", 1)[0].split("(?!", 1)[0]
    return re.sub(r"\\(.)", r"\1", first).lower()


def topic_hits(text: str, lex: Lexicon | None = None) -> np.ndarray:
    """Per topic, then ``none`` last: 1 - 0.5**hits (one single-word term gives 0.5, two, or
    one multi-word term, 0.75; saturating, not counting).

    Each matching term counts once, whatever its number of occurrences; only the terms whose
    key word occurs in the text are tried (:func:`_term_index`), and of those only the ones
    whose first word occurs in the lower-cased text are searched."""
    lex = lex or lexicon()
    return 1.0 - 0.5 ** np.array(_hit_counts(text, _term_index(lex), len(lex.topics) + 1))


def _hit_counts(text: str, index: _TermIndex, width: int) -> list[float]:
    """Per topic (then ``none``), the summed weights of the terms that occur in ``text``."""
    lowered = text.lower()
    hits = [0.0] * width
    if text.isascii() or (_NON_ASCII_WORD.search(text) is None
                          and _NON_ASCII_WORD.search(lowered) is None):
        # each distinct run or word of the text that keys some terms, found by intersecting
        # the index's keys with the text's runs (a lookup in C per run, not one in Python);
        # the weights are small whole numbers, so their sums do not depend on the order
        runs = _RUN.findall(lowered)
        for run in index.runs_ci.keys() & runs:
            for entry in index.runs_ci[run]:
                hits[entry[0]] += entry[3]
        # a multi-word term of plain words: the text's words are its runs, and words parted
        # only by white space (\s+ holds no word character nor hyphen) are consecutive runs
        if index.rest_by_pair:
            pairs = index.rest_by_pair.keys() & zip(runs, runs[1:], strict=False)
            if pairs:
                spaced = _spaced(lowered)
                for pair in pairs:
                    for column, pattern, _, weight in index.rest_by_pair[pair]:
                        if _runs_at(index.words[id(pattern)], runs, spaced):
                            hits[column] += weight
        # the text's own runs only when a case-sensitive word is among its lower-cased runs
        if not index.cs_lower.isdisjoint(runs):
            for run in index.runs_cs.keys() & _RUN.findall(text):
                for entry in index.runs_cs[run]:
                    hits[entry[0]] += entry[3]
        # the few other terms (apostrophes, "&", "+", non-ASCII): their needle is a test in C
        # per distinct needle, cheaper than the text's words and an intersection
        words = index.words
        for needle, entries in index.rest_by_needle.items():
            if needle in lowered:
                for column, pattern, _, weight in entries:
                    if all(x in lowered for x in words[id(pattern)]) and pattern.search(text):
                        hits[column] += weight
        return hits
    candidates = tuple(e for w in index.by_word.keys() & _WORD.findall(lowered)
                       for e in index.by_word[w])
    for column, pattern, needle, weight in candidates + index.always:
        if needle in lowered and pattern.search(text):
            hits[column] += weight
    return hits


def _spaced(lowered: str) -> list[bool]:
    r"""Per two consecutive runs (``[\w-]+``) of ``lowered``: whether only white space parts them."""
    return [gap.isspace() for gap in _RUN.split(lowered)[1:-1]]


def _runs_at(words: tuple[str, ...], runs: list[str], spaced: list[bool]) -> bool:
    r"""Whether ``words`` are consecutive runs of a text parted only by white space: for a term
    of plain words (ASCII letters, digits, ``_``, ``-``), case-blind, in a text of ASCII runs,
    what its pattern ``(?<![\w-])w1\s+w2...(?![\w-])`` finds, without compiling it.

    Each word of such a term is all run characters and is bounded by non-run characters (the
    guards, or the ``\s+`` either side), so it is a whole run; ``\s+`` then spans the whole gap
    between two runs, which must be white space (``\s`` is ``str.isspace``); the runs of the
    lower-cased text are the text's runs lower-cased, as in :func:`_term_index`.
    ``runs``: the text's runs (``_RUN.findall``), ``spaced``: :func:`_spaced` of the text."""
    k = len(words)
    first = words[0]
    return any(run == first and tuple(runs[i:i + k]) == words and all(spaced[i:i + k - 1])
               for i, run in enumerate(runs[:len(runs) - k + 1]))


def topic_matrix(texts: list[str], lex: Lexicon | None = None) -> np.ndarray:
    """:func:`topic_hits` of each text: (n_texts, n_topics + 1), each distinct text once."""
    lex = lex or lexicon()
    if not texts:
        return np.zeros((0, len(lex.topics) + 1))
    distinct, where = _distinct(texts)
    index, width = _term_index(lex), len(lex.topics) + 1
    return (1.0 - 0.5 ** np.array([_hit_counts(t, index, width) for t in distinct]))[where]


def _distinct(texts: list[_K]) -> tuple[list[_K], np.ndarray]:
    """The distinct texts (or other keys; first-seen order) and, per text, its index among them."""
    index: dict[_K, int] = {}
    where = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.intp,
                        count=len(texts))
    return list(index), where


#: how much each kind of training text counts towards a sub-outcome's topic profile: mostly
#: the plan's own words; report sentences labelled by headings are many and noisier (measured
#: on the tuning gold: weight 0.5 cost 10 points of the signal's top-1 against 0.05)
PROFILE_WEIGHTS = {"plan:title": 3.0, "plan": 1.0, "structure": 0.05}
#: pseudo-count of "elsewhere" for every topic: a topic seen once in one sub-outcome's text
#: maps to it less firmly than a topic seen there often
PROFILE_PRIOR = 0.5


def topic_profile(hits: np.ndarray, labels: list[str], sources: list[str],
                  subs: list[str]) -> np.ndarray:
    """How the taxonomy maps onto a plan: (n_subs, n_topics), each topic's share per sub-outcome.

    ``hits`` are :func:`topic_matrix` rows of the plan's own texts (sub-outcome titles, aims,
    actions, measures) and of report sentences labelled by the headings that name a
    sub-outcome, with their ``labels`` and ``sources``. Entry (s, t) is the weighted share of
    topic t's hits that fall in sub-outcome s, so a topic only one element talks about maps
    wholly to it and a topic every element mentions maps to none in particular.
    """
    index = {s: i for i, s in enumerate(subs)}
    counts = np.zeros((len(subs), hits.shape[1] - 1))
    for row, label, source in zip(hits, labels, sources, strict=True):
        if label not in index:
            continue
        kind = source if source == "plan:title" else ("plan" if source.startswith("plan:") else "structure")
        counts[index[label]] += PROFILE_WEIGHTS[kind] * row[:-1]
    return counts / (counts.sum(axis=0, keepdims=True) + PROFILE_PRIOR)


def topic_scores(hits: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Per claim and sub-outcome (then ``none``): how well the claim's topics agree with the
    sub-outcome's (noisy-OR of hit x share over topics), in 0..1. (n, n_subs + 1)."""
    # each distinct row of hits once (most claims share a row with others, no topic at all
    # being the commonest); a row's value does not depend on the other rows. Rows are told
    # apart by their bytes, in a dict (np.unique(axis=0) sorts them, which cost ten times more)
    topics = np.ascontiguousarray(hits[:, :-1])
    distinct, where = _distinct([row.tobytes() for row in topics])
    first = np.zeros(len(distinct), dtype=np.intp)
    first[where] = np.arange(len(where))  # a row with each key (all alike)
    rows = topics[first]
    # 1 - prod_t (1 - h_t p_st), computed in log space
    log_miss = np.log1p(-np.clip(rows[:, None, :] * profile[None, :, :], 0.0, 0.999999)).sum(axis=2)
    return np.column_stack([(1.0 - np.exp(log_miss))[where.reshape(-1)], hits[:, -1]])


def off_topic_documents(doc_ids: list[str], any_topic: np.ndarray,
                        lex: Lexicon | None = None) -> set[str]:
    """Documents of a batch whose sentences rarely use any public-service vocabulary.

    ``any_topic`` says per claim (in ``doc_ids`` order) whether it uses any topic term of the
    taxonomy (whatever the plan): a report of another council uses them throughout and is
    never off-topic. Claims without a document id are never judged.
    """
    lex = lex or lexicon()
    if lex.off_topic_min_share <= 0.0:
        return set()
    out: set[str] = set()
    ids = np.asarray(doc_ids)
    any_hit = np.asarray(any_topic, dtype=bool)
    for doc_id in set(doc_ids) - {""}:
        mask = ids == doc_id
        if mask.sum() >= lex.off_topic_min_claims and any_hit[mask].mean() < lex.off_topic_min_share:
            out.add(doc_id)
    return out


def is_none_heading(title: str, lex: Lexicon | None = None) -> bool:
    """True when a heading names council business (finance, governance, introductions)."""
    lex = lex or lexicon()
    t = _strip_number(title).lower()
    return any(t.startswith(h) or t == h for h in lex.none_headings)


def _strip_number(title: str) -> str:
    return re.sub(r"^\s*\d+(?:\.\d+)*\.?\s*", "", " ".join(title.split())).strip(" .")


def heading_sub_outcomes(title: str, plan: Plan, min_score: float = 70.0,
                         min_words: int = 4) -> dict[str, float]:
    """Sub-outcomes a heading names, with the match score in 0..1.

    Stricter than the refresh mapping (token_sort) so a short service heading ("Supporting
    Carers") is not read as naming a long sub-outcome title: a heading part must have at least
    ``min_words`` words, or as many as the title it is compared with when that title is
    shorter (a flat plan's "Green places" is named by a heading "Green places").
    """
    return _named_by_titles(title, _sub_titles(plan), min_score, min_words)


def _sub_titles(plan: Plan) -> list[tuple[str, str, int]]:
    """(sub-outcome id, lower-cased title, number of words) of each sub-outcome, in plan order."""
    return [(sub_id, sub_title.lower(), len(sub_title.split()))
            for sub_id, sub_title in plan.sub_outcomes().items()]


def _named_by_titles(title: str, titles: list[tuple[str, str, int]], min_score: float = 70.0,
                     min_words: int = 4) -> dict[str, float]:
    """:func:`heading_sub_outcomes` against the plan's :func:`_sub_titles`."""
    out: dict[str, float] = {}
    r = rules()
    for part in r.title_splitter.split(_strip_number(title)):
        part = _strip_number(part or "")
        n_words = len(part.split())
        if not n_words:
            continue
        for sub_id, sub_title, title_words in titles:
            if n_words < min(min_words, title_words):
                continue
            score = fuzz.token_sort_ratio(part.lower(), sub_title)
            if score >= min_score:
                out[sub_id] = max(out.get(sub_id, 0.0), score / 100.0)
    return out


class HeadingNames:
    """:func:`heading_sub_outcomes` of one plan, each distinct heading worked out once (a
    batch's heading paths share most of their headings, and the plan's titles are read once,
    not once per heading)."""

    def __init__(self, plan: Plan) -> None:
        self.titles = _sub_titles(plan)
        self.named: dict[str, dict[str, float]] = {}

    def __call__(self, title: str) -> dict[str, float]:
        got = self.named.get(title)
        if got is None:
            got = self.named[title] = _named_by_titles(title, self.titles)
        return got


def heading_prior(path: tuple[str, ...], plan: Plan, labels: list[str],
                  lex: Lexicon | None = None, names: HeadingNames | None = None) -> np.ndarray:
    """Per label: how strongly the claim's enclosing headings name that sub-outcome.

    The innermost naming heading wins; ``none`` gets 1 under a council-business heading
    that no plan heading overrides. ``names``: a :class:`HeadingNames` of ``plan`` to share
    between the paths of a batch.
    """
    out = np.zeros(len(labels))
    index = {label: i for i, label in enumerate(labels)}
    for title in reversed(path):
        named = names(title) if names is not None else heading_sub_outcomes(title, plan)
        if named:
            for sub_id, score in named.items():
                if sub_id in index:
                    out[index[sub_id]] = score
            return out
    if NONE in index and any(is_none_heading(t, lex) for t in path[:1] + path[-1:]):
        out[index[NONE]] = 1.0
    return out


def named_phrases(plan: Plan) -> dict[str, list[str]]:
    """Capitalised multi-word names in each sub-outcome's elements ("Family Hubs").

    A name found under several sub-outcomes (the council's or the area's own name) tells
    them apart no better than chance, so it is dropped.
    """
    found: dict[str, set[str]] = {}
    for aim in plan.aims:
        for m in _PROPER.finditer(aim.text):
            words = m.group(0).split()
            while words and words[0] in _STOP_PROPER:
                words = words[1:]
            if len(words) >= 2:
                found.setdefault(aim.sub_outcome_id, set()).add(" ".join(words))
    seen: dict[str, int] = {}
    for names in found.values():
        for name in names:
            seen[name] = seen.get(name, 0) + 1
    return {k: sorted(n for n in v if seen[n] == 1) for k, v in found.items()}


def phrase_hits(text: str, phrases: dict[str, list[str]], labels: list[str],
                min_score: float = 90.0) -> np.ndarray:
    """Per label, the best fuzzy containment score (0..1) of its named phrases in the text."""
    return phrase_matrix([text], phrases, labels, min_score)[0]


def phrase_matrix(texts: list[str], phrases: dict[str, list[str]], labels: list[str],
                  min_score: float = 90.0) -> np.ndarray:
    """:func:`phrase_hits` of each text, (n_texts, n_labels): the score of every named phrase
    against every text (``fuzz.partial_ratio(phrase, text)``, lower case, by
    ``rapidfuzz.process.cdist``), then the best score of each label's phrases. Scores under
    ``min_score`` count 0; passing it as cdist's cutoff lets rapidfuzz skip alignments that
    cannot reach it (a score that reaches it is the same). Only the pairs that can reach it
    are scored at all (:func:`_may_reach`); the others would score under it, so 0."""
    named = [(j, phrase.lower()) for j, label in enumerate(labels) for phrase in phrases.get(label, ())]
    if not texts or not named:
        return np.zeros((len(texts), len(labels)))
    distinct, where = _distinct([t.lower() for t in texts])
    out = np.zeros((len(distinct), len(labels)))
    candidates = _may_reach([phrase for _, phrase in named], distinct, min_score)
    for (j, phrase), cols in zip(named, candidates, strict=True):
        if not len(cols):
            continue
        scores = process.cdist([phrase], [distinct[c] for c in cols], scorer=fuzz.partial_ratio,
                               score_cutoff=min_score, dtype=np.float64, workers=1)[0]
        out[cols, j] = np.maximum(out[cols, j], np.where(scores >= min_score, scores / 100.0, 0.0))
    return out[where]


#: q-gram length of the :func:`_may_reach` filter
_Q = 3


def _qgrams(strings: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every q-gram (:data:`_Q` characters) of each string as one integer (its code points in
    base 0x110000), the index of the string it is in, and each string's length."""
    lens = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    points = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(len(strings), dtype=np.int64), lens)
    n = max(len(points) - _Q + 1, 0)
    code = np.zeros(n, dtype=np.int64)
    for k in range(_Q):
        code = code * 0x110000 + points[k:k + n]
    inside = owner[:n] == owner[_Q - 1:_Q - 1 + n]  # not across two strings
    return code[inside], owner[:n][inside], lens


def _may_reach(needles: list[str], texts: list[str], min_score: float) -> list[np.ndarray]:
    """Per needle, the indices of the texts whose ``fuzz.partial_ratio`` with it may reach
    ``min_score``; every other text scores under it (an exact filter, not a heuristic).

    Why: partial_ratio is the best ``ratio`` = 200 l / (L + w) of the shorter string (length
    L) against a window of the longer (length w <= L), l their longest common subsequence.
    In that alignment each of the L - l unmatched characters of the shorter string breaks at
    most q of its L - q + 1 q-grams, and each of the w - l unmatched window characters at most
    q - 1 (those spanning its gap), so at least (2q - 1) l - (q - 1)(L + w + 1) of its
    q-grams occur in the window, hence in the longer string. A score c needs l >= c (L + w) /
    200 and so w >= l gives L + w >= 200 L / (200 - c): at least
    ((2q - 1) c / 200 - (q - 1)) 200 L / (200 - c) - (q - 1) shared q-grams (counted with
    multiplicity). The bound is taken one point under ``min_score``, so rounding inside
    rapidfuzz can never put a pair left out above it.
    """
    cut = max(min_score - 1.0, 0.0)
    if cut >= 200.0 or not texts:
        return [np.arange(len(texts)) for _ in needles]
    factor = ((2 * _Q - 1) * cut / 200 - (_Q - 1)) * 200 / (200 - cut)
    n_code, n_owner, n_len = _qgrams(needles)
    vocab, n_col = np.unique(n_code, return_inverse=True)
    t_code, t_owner, t_len = _qgrams(texts)
    col = np.minimum(np.searchsorted(vocab, t_code), max(len(vocab) - 1, 0))
    known = vocab[col] == t_code if len(vocab) else np.zeros(len(t_code), dtype=bool)
    counts = sparse.csc_matrix((np.ones(int(known.sum()), dtype=np.int64),
                                (t_owner[known], col[known])), shape=(len(texts), len(vocab)))
    own = sparse.csr_matrix((np.ones(len(n_code), dtype=np.int64), (n_owner, n_col.reshape(-1))),
                            shape=(len(needles), len(vocab)))
    out: list[np.ndarray] = []
    for i, needle in enumerate(needles):
        row = own[i]
        shared = np.minimum(counts[:, row.indices].toarray(), row.data[None, :]).sum(axis=1) \
            if row.nnz else np.zeros(len(texts), dtype=np.int64)
        bound = factor * np.minimum(len(needle), t_len) - (_Q - 1)
        out.append(np.flatnonzero(shared >= bound))
    return out
