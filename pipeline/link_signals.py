"""Rule signals for the claim → aim matcher: lexicon terms, headings, named programmes.

Each signal maps a text (or a heading path) to a score per sub-outcome in 0..1; the matcher
(:mod:`pipeline.link`) weighs them with the learned signals. The vocabulary is data in
``models/lexicons/sub_outcomes.yaml`` (``terms``, ``none_headings``); named programmes are
taken from the plan's own elements (capitalised phrases such as "Bus Service Improvement
Plan"), so a different plan brings its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from pipeline.config import LEXICONS_DIR
from pipeline.nlp.patterns import read_yaml
from pipeline.plan import Plan, rules

NONE = "none"
LEXICON_FILE = LEXICONS_DIR / "sub_outcomes.yaml"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9£\"'‘“(])")
_PROPER = re.compile(r"\b(?:[A-Z][\w'&-]*\s+){1,5}[A-Z][\w'&-]*\b")
_STOP_PROPER = {"The", "Our", "We", "In", "This", "Council", "County", "Leicestershire", "Work", "Support",
                "Develop", "Deliver", "Provide", "Increase", "Improve", "Ensure", "Promote", "Percentage",
                "Number", "Rate", "Through", "With", "Reduce", "Create"}


def split_sentences(text: str) -> list[str]:
    """A cheap sentence split for training text (claims arrive already split)."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if len(s.split()) >= 4]


@dataclass(frozen=True)
class Lexicon:
    """Compiled term patterns per sub-outcome id (and ``none``) and the abstention headings."""

    terms: dict[str, tuple[re.Pattern[str], ...]]
    none_headings: tuple[str, ...]
    #: a document with at least ``off_topic_min_claims`` sentences, fewer than
    #: ``off_topic_min_share`` of which use a sub-outcome term, is not linked at all
    off_topic_min_share: float = 0.0
    off_topic_min_claims: int = 0


def _term_pattern(term: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in term.split())
    flags = 0 if (term.isupper() and len(term) > 1) else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", flags)


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Read the ``terms`` and ``none_headings`` sections; errors name the file and key."""
    data = read_yaml(path)
    terms = data.get("terms")
    if not isinstance(terms, dict):
        raise ValueError(f"{path}: 'terms' must map sub-outcome ids to lists of phrases")
    compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
    for key, words in terms.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ValueError(f"{path}: terms[{key!r}] must be a list of non-empty phrases")
        compiled[str(key)] = tuple(_term_pattern(w) for w in words)
    heads = data.get("none_headings", [])
    if not isinstance(heads, list):
        raise ValueError(f"{path}: 'none_headings' must be a list")
    off = data.get("off_topic", {}) or {}
    if not isinstance(off, dict) or set(off) - {"min_share", "min_claims"}:
        raise ValueError(f"{path}: 'off_topic' takes only min_share and min_claims")
    try:
        share, claims = float(off.get("min_share", 0.0)), int(off.get("min_claims", 0))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: off_topic values must be numbers: {exc}") from None
    if not 0.0 <= share <= 1.0 or claims < 0:
        raise ValueError(f"{path}: off_topic.min_share must be in 0..1 and min_claims >= 0")
    return Lexicon(terms=compiled, none_headings=tuple(str(h).lower() for h in heads),
                   off_topic_min_share=share, off_topic_min_claims=claims)


@cache
def lexicon() -> Lexicon:
    """The lexicon, loaded once."""
    return load_lexicon()


#: A multi-word term ("electric buses", "road safety") is more specific than a single word
#: ("bus", "road"), so it counts as this many hits.
MULTIWORD_WEIGHT = 2.0


_PREPARED: dict[int, dict[str, tuple[tuple[re.Pattern[str], str, float], ...]]] = {}


def _prepared(lex: Lexicon) -> dict[str, tuple[tuple[re.Pattern[str], str, float], ...]]:
    """Per label, each term's pattern with a lower-case needle and its weight.

    The needle (the term's first word) must occur in the lower-cased text for the pattern to
    match, so a plain substring test skips most of the regex searches, which dominated the
    linking time.
    """
    key = id(lex)
    if key not in _PREPARED:
        _PREPARED[key] = {
            label: tuple(
                (p, _needle(p), MULTIWORD_WEIGHT if r"\s+" in p.pattern else 1.0) for p in pats
            )
            for label, pats in lex.terms.items()
        }
    return _PREPARED[key]


def _needle(pattern: re.Pattern[str]) -> str:
    body = pattern.pattern.split(")", 1)[1]  # after the (?<![\w-]) guard
    first = body.split(r"\s+", 1)[0].split("(?!", 1)[0]
    return re.sub(r"\\(.)", r"\1", first).lower()


def term_hits(text: str, labels: list[str], lex: Lexicon | None = None) -> np.ndarray:
    """Per label, 1 - 0.5**hits: one single-word term gives 0.5, two (or one multi-word
    term) 0.75 (saturating, not counting)."""
    lex = lex or lexicon()
    prepared = _prepared(lex)
    lowered = text.lower()
    out = np.zeros(len(labels))
    for i, label in enumerate(labels):
        hits = sum(weight for p, needle, weight in prepared.get(label, ())
                   if needle in lowered and p.search(text))
        out[i] = 1.0 - 0.5 ** hits
    return out


def off_topic_documents(doc_ids: list[str], lex_hits: np.ndarray,
                        lex: Lexicon | None = None) -> set[str]:
    """Documents of a batch whose sentences rarely use the plan's vocabulary.

    ``lex_hits`` is the (n_claims, n_sub_outcomes) lexicon signal of the claims in
    ``doc_ids`` order. Claims without a document id are never judged.
    """
    lex = lex or lexicon()
    if lex.off_topic_min_share <= 0.0:
        return set()
    any_hit = (lex_hits > 0).any(axis=1)
    out: set[str] = set()
    ids = np.asarray(doc_ids)
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


def heading_sub_outcomes(title: str, plan: Plan, min_score: float = 70.0) -> dict[str, float]:
    """Sub-outcomes a heading names, with the match score in 0..1.

    Stricter than the refresh mapping (token_sort, at least four words) so a short service
    heading ("Supporting Carers") is not read as naming a sub-outcome.
    """
    out: dict[str, float] = {}
    r = rules()
    for part in r.title_splitter.split(_strip_number(title)):
        part = _strip_number(part or "")
        if len(part.split()) < 4:
            continue
        for sub_id, sub_title in plan.sub_outcomes().items():
            score = fuzz.token_sort_ratio(part.lower(), sub_title.lower())
            if score >= min_score:
                out[sub_id] = max(out.get(sub_id, 0.0), score / 100.0)
    return out


def heading_prior(path: tuple[str, ...], plan: Plan, labels: list[str]) -> np.ndarray:
    """Per label: how strongly the claim's enclosing headings name that sub-outcome.

    The innermost naming heading wins; ``none`` gets 1 under a council-business heading
    that no plan heading overrides.
    """
    out = np.zeros(len(labels))
    index = {label: i for i, label in enumerate(labels)}
    for title in reversed(path):
        named = heading_sub_outcomes(title, plan)
        if named:
            for sub_id, score in named.items():
                if sub_id in index:
                    out[index[sub_id]] = score
            return out
    if NONE in index and any(is_none_heading(t) for t in path[:1] + path[-1:]):
        out[index[NONE]] = 1.0
    return out


def named_phrases(plan: Plan) -> dict[str, list[str]]:
    """Capitalised multi-word names in each sub-outcome's elements ("Family Hubs")."""
    found: dict[str, set[str]] = {}
    for aim in plan.aims:
        for m in _PROPER.finditer(aim.text):
            words = m.group(0).split()
            while words and words[0] in _STOP_PROPER:
                words = words[1:]
            if len(words) >= 2:
                found.setdefault(aim.sub_outcome_id, set()).add(" ".join(words))
    return {k: sorted(v) for k, v in found.items()}


def phrase_hits(text: str, phrases: dict[str, list[str]], labels: list[str],
                min_score: float = 90.0) -> np.ndarray:
    """Per label, the best fuzzy containment score (0..1) of its named phrases in the text."""
    out = np.zeros(len(labels))
    lowered = text.lower()
    for i, label in enumerate(labels):
        best = 0.0
        for phrase in phrases.get(label, ()):
            score = fuzz.partial_ratio(phrase.lower(), lowered)
            if score >= min_score:
                best = max(best, score / 100.0)
        out[i] = best
    return out
