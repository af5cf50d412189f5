"""Claims: one span per sentence, typed as achievement, progress, plan, target, statistic,
challenge or other (component ``planmine_claims``).

Why rules and not a model: there is no labelled training data beyond the gold sample (which
is for measuring only), and the types follow grammar more than topic: tense and aspect
("has been secured", "continues to", "will"), modal and intention verbs ("plans to", "aim
to"), and a few lexical fields (pressure, shortfall, demand). So each type has a weighted cue
lexicon in ``models/patterns/claim_types.yaml``; a sentence's score for a type is the sum of
the weights of its matching cues, plus a few features read from the mentions the other
components found (a percentage with no action verb reads as a statistic, a date after the
report period as a plan). The highest score wins, ties broken by the file's precedence, and
a sentence with no cue strong enough is the default type ("other").

:func:`classify` is pure (text in, :class:`ClaimDecision` out) so it can be unit-tested and
reused without spaCy; the component only builds spans and reads the mention spans if present.

Why a cue can mute others (``mutes:`` in the file): the generic cues read single words, so one
past verb ("attended", "have started") scores achievement three or four times over (perfect,
past action, any "-ed" word). A cue that reads the whole construction more exactly ("981
adults attended": a count as the subject, a statistic; "we have started work on": begun, not
finished, progress) switches those generic cues off for the sentence instead of fighting
them with ever larger weights. ``block_kinds`` limits a cue to tables or lists, where a row
that opens with a bare verb ("Develop a falls pathway") is a plan and in prose is not.

Why no trained classifier: two were tried and measured on the fixed gold split. A logistic
regression over the words, the heading and the rules' cues did not beat the rules
(leave-one-document-out within tuning 0.665 against the rules' 0.681, held-out document 0.663
against 0.669). A second one (issue 18) over the rules' own per-type scores, fired cues, block
kind and decision, fitted on the tuning part only, measured against the final rules (scores
on aligned sentences): with its regularisation chosen by leave-one-document-out within tuning
(0.755; the rules score 0.810 there, but they were written on that part) it tied on the
held-out half (0.743 each), gained two sentences on the held-out document (0.763 against
0.751) and lost one of 40 on the Kent gold (0.700 against 0.725); other strengths moved the
parts in opposite directions, which is noise on 185 training sentences. No clear win, so
planmine types claims one way, by these rules, and every decision can be traced to a cue
(``ClaimDecision.fired``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.config import PATTERNS_DIR
from pipeline.model import CLAIM_TYPES
from pipeline.nlp import extensions
from pipeline.nlp.extensions import doc_text
from pipeline.nlp.patterns import (
    PrefilterSet,
    RuleFileComponent,
    TextView,
    compile_regex,
    expand,
    first_char_guarded,
    read_yaml,
)
from pipeline.nlp.sentences import is_non_sentence
from pipeline.rulefiles import StrictModel, validated

DEFAULT_RULES_PATH = PATTERNS_DIR / "claim_types.yaml"
FEATURES = ("percent_without_action", "figure_without_action", "percent_any", "many_figures",
            "future_date", "future_date_with_aim", "aim_with_figure", "historic_date")
#: The kinds of body block a sentence can come from (``doc._.block_kind``).
BLOCK_KINDS = ("paragraph", "bullet", "table")
#: Dates ending more than this many years before the report period are background/history.
HISTORIC_YEARS = 5


@dataclass(frozen=True)
class Cue:
    """One weighted regex arguing for one claim type."""

    id: str
    type: str
    weight: float
    regex: re.Pattern[str]
    block_kinds: tuple[str, ...] = ()  # the block kinds the cue applies to (empty: all)
    unless: re.Pattern[str] | None = None  # heading cues only: text that switches the cue off
    mutes: tuple[str, ...] = ()  # body cues only: cues this one switches off when it fires


@dataclass(frozen=True)
class ClaimRules:
    """The validated contents of ``claim_types.yaml``."""

    default: str
    min_score: float
    precedence: tuple[str, ...]
    cues: tuple[Cue, ...]
    features: dict[str, tuple[str, float]]
    action_cues: frozenset[str]
    aim_cues: frozenset[str]
    bullet_glyphs: str
    heading_cues: tuple[Cue, ...] = ()


@dataclass(frozen=True)
class MentionFacts:
    """What the money/figures/dates components found in one sentence (all optional)."""

    n_percent: int = 0
    n_figures: int = 0
    n_money: int = 0
    n_future_dates: int = 0
    n_dates: int = 0
    n_historic_dates: int = 0


@dataclass
class ClaimDecision:
    """The chosen type, every type's score and the cues that fired (for debugging/tests)."""

    claim_type: str
    scores: dict[str, float] = field(default_factory=dict)
    fired: list[str] = field(default_factory=list)


def _type_of(value: Any, where: str) -> str:
    if value not in CLAIM_TYPES:
        raise ValueError(f"{where}: claim type {value!r} is not one of {CLAIM_TYPES}")
    return str(value)


def _block_kinds(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    """A cue's ``block_kinds`` (empty: every kind), checked against the kinds ingest writes."""
    kinds = tuple(str(k) for k in entry.get("block_kinds") or ())
    unknown = set(kinds) - set(BLOCK_KINDS)
    if unknown:
        raise ValueError(f"{where}: unknown block_kinds {sorted(unknown)}")
    return kinds


class _CueSpec(StrictModel):
    id: str
    type: str
    weight: float
    regex: str
    case: bool = False
    mutes: list[str] = []
    block_kinds: list[str] = []


class _HeadingCueSpec(StrictModel):
    id: str
    type: str
    weight: float
    regex: str
    block_kinds: list[str] = []
    unless: str | None = None


class _FeatureSpec(StrictModel):
    type: str
    weight: float


class ClaimRulesFile(StrictModel):
    """The shape of ``claim_types.yaml``: an unknown or mistyped key (a cue's ``mute:`` for
    ``mutes:``) is an error naming the file and the key. What the keys mean is checked by
    :func:`load_claim_rules`."""

    types: list[str]
    default: str
    min_score: float
    precedence: list[str]
    fragments: dict[str, str] | None
    cues: list[_CueSpec]
    features: dict[str, _FeatureSpec] | None
    action_cues: list[str]
    aim_cues: list[str]
    bullet_glyphs: str
    heading_cues: list[_HeadingCueSpec] = []


@cache
def load_claim_rules(path: Path = DEFAULT_RULES_PATH) -> ClaimRules:
    """Read and validate the cue file; a typo (unknown type, bad regex, duplicate id) raises."""
    data = read_yaml(path)
    validated(ClaimRulesFile, data, path)
    if sorted(data["types"]) != sorted(CLAIM_TYPES):
        raise ValueError(f"{path}: types must be exactly {CLAIM_TYPES}, got {data['types']}")
    precedence = tuple(_type_of(t, f"{path} precedence") for t in data["precedence"])
    if sorted(precedence) != sorted(CLAIM_TYPES):
        raise ValueError(f"{path}: precedence must list every type once, got {precedence}")
    fragments = {str(k): str(v) for k, v in (data["fragments"] or {}).items()}
    cues: list[Cue] = []
    for entry in data["cues"] or []:
        where = f"{path} cue {entry['id']!r}"  # shape checked by ClaimRulesFile
        if any(c.id == entry["id"] for c in cues):
            raise ValueError(f"{where}: duplicate id")
        flags = 0 if entry.get("case") else re.IGNORECASE
        regex = first_char_guarded(
            compile_regex(expand(str(entry["regex"]), fragments, where), where, flags))
        mutes = tuple(str(m) for m in entry.get("mutes") or ())
        cues.append(Cue(str(entry["id"]), _type_of(entry["type"], where), float(entry["weight"]),
                        regex, _block_kinds(entry, where), mutes=mutes))
    if not cues:
        raise ValueError(f"{path} defines no cues")
    heading_cues: list[Cue] = []
    for i, entry in enumerate(data.get("heading_cues") or []):
        where = f"{path} heading cue #{i}"
        regex = compile_regex(expand(str(entry["regex"]), fragments, where), where, re.IGNORECASE)
        unless = (compile_regex(expand(str(entry["unless"]), fragments, where), where,
                                re.IGNORECASE) if entry.get("unless") else None)
        heading_cues.append(Cue(str(entry["id"]), _type_of(entry["type"], where),
                                float(entry["weight"]), regex, _block_kinds(entry, where), unless))
    ids = {c.id for c in cues}
    for cue in cues:
        unknown_mutes = set(cue.mutes) - ids
        if unknown_mutes:
            raise ValueError(f"{path} cue {cue.id!r}: mutes unknown cues {sorted(unknown_mutes)}")
    features: dict[str, tuple[str, float]] = {}
    for name, spec in (data["features"] or {}).items():
        if name not in FEATURES:
            raise ValueError(f"{path}: unknown feature {name!r}; known: {FEATURES}")
        features[name] = (_type_of(spec["type"], f"{path} feature {name}"), float(spec["weight"]))
    for key in ("action_cues", "aim_cues"):
        unknown = set(data[key]) - ids
        if unknown:
            raise ValueError(f"{path}: {key} names unknown cues {sorted(unknown)}")
    return ClaimRules(
        default=_type_of(data["default"], f"{path} default"),
        min_score=float(data["min_score"]),
        precedence=precedence,
        cues=tuple(cues),
        features=features,
        action_cues=frozenset(data["action_cues"]),
        aim_cues=frozenset(data["aim_cues"]),
        bullet_glyphs=str(data["bullet_glyphs"]),
        heading_cues=tuple(heading_cues),
    )


class _CueIndex:
    """What :func:`classify` derives from one rule set once: the cues' prefilters (in the
    order of ``rules.cues``), and per heading which heading cues its text matches (the
    sentences under one heading ask the same; the last few headings are kept)."""

    def __init__(self, rules: ClaimRules) -> None:
        self.rules = rules  # kept, so its id is not reused while cached
        self.prefilters = PrefilterSet(c.regex for c in rules.cues)
        self.heading_hits = lru_cache(maxsize=HEADINGS_KEPT)(self._heading_hits)

    def _heading_hits(self, heading: str) -> tuple[bool, ...]:
        return tuple(c.regex.search(heading) is not None for c in self.rules.heading_cues)


#: Headings whose heading-cue matches are kept per rule set (see :class:`_CueIndex`).
HEADINGS_KEPT = 64
_CUE_INDEXES: dict[int, _CueIndex] = {}


def _cue_index(rules: ClaimRules) -> _CueIndex:
    """The :class:`_CueIndex` of ``rules``, built once per rule set."""
    index = _CUE_INDEXES.get(id(rules))
    if index is None or index.rules is not rules:
        index = _CUE_INDEXES[id(rules)] = _CueIndex(rules)
    return index


def classify(text: str, facts: MentionFacts | None = None,
             rules: ClaimRules | None = None, heading: str = "",
             block_kind: str = "") -> ClaimDecision:
    """The claim type of one sentence, from its cues, its mentions and the heading it sits under.

    The heading matters because reports label whole lists: the bullets under "Our aims by
    2026" are targets whatever their wording.
    """
    rules = rules or load_claim_rules()
    facts = facts or MentionFacts()
    text = " ".join(text.split())
    scores = dict.fromkeys(CLAIM_TYPES, 0.0)
    fired: list[str] = []
    view = TextView(text)  # cues whose needed words are absent are not searched
    cues = rules.cues
    index = _cue_index(rules)
    matched = [cue for cue in map(cues.__getitem__, index.prefilters.passing(view))
               if not (cue.block_kinds and block_kind not in cue.block_kinds)
               and cue.regex.search(text)]
    # a cue that reads the same words more exactly switches the generic ones off: in "981
    # adults attended" the count as subject says statistic, and "attended" as a past action
    # must not also count for achievement
    muted = {m for cue in matched for m in cue.mutes}
    for cue in matched:
        if cue.id not in muted:
            scores[cue.type] += cue.weight
            fired.append(cue.id)
    if heading:
        for cue, hit in zip(rules.heading_cues, index.heading_hits(heading), strict=True):
            if not hit or (cue.block_kinds and block_kind not in cue.block_kinds):
                continue
            if cue.unless is not None and cue.unless.search(text):
                continue
            scores[cue.type] += cue.weight
            fired.append(f"heading:{cue.id}")
    has_action = any(c in rules.action_cues for c in fired)
    has_aim = any(c in rules.aim_cues for c in fired)
    active = {
        "percent_without_action": facts.n_percent > 0 and not has_action,
        "figure_without_action": (facts.n_figures + facts.n_money) > facts.n_percent
        and not has_action,
        "future_date": facts.n_future_dates > 0,
        "future_date_with_aim": facts.n_future_dates > 0 and has_aim,
        "percent_any": facts.n_percent > 0,
        "many_figures": facts.n_figures + facts.n_money >= 2,
        "aim_with_figure": has_aim and facts.n_figures > 0,
        "historic_date": facts.n_dates > 0 and facts.n_historic_dates == facts.n_dates,
    }
    for name, on in active.items():
        if on and name in rules.features:
            ctype, weight = rules.features[name]
            scores[ctype] += weight
            fired.append(f"feature:{name}")
    # the highest score; of equal ones the first in precedence (max keeps the first it met)
    best = max(rules.precedence, key=scores.__getitem__)
    if scores[best] < rules.min_score:
        best = rules.default
    return ClaimDecision(best, scores, fired)


class _DocMentions:
    """A Doc's money, figures and dates spans as sorted starts with running counts, read
    once per Doc: a sentence's :class:`MentionFacts` are then a few bisections.

    Why: reading the spans, their extensions and the report period again for each sentence
    made the facts cost more than the cues on short sentences."""

    def __init__(self, doc: Doc) -> None:
        figures = self._sorted(doc, "figures")
        dates = self._sorted(doc, "dates")
        self.figure_starts = [s.start_char for s in figures]
        self.percent_before = self._running(s._.unit == "percent" for s in figures)
        self.date_starts = [s.start_char for s in dates]
        future: list[bool] = []
        historic: list[bool] = []
        if dates:
            # the window the document says it reports on wins over the nominal (financial)
            # period: an event in September of a report covering September to September is
            # not in the future
            x = doc._  # one accessor object: spaCy builds a new one on every ``doc._``
            period_start: date | None = x.window_start or x.period_start
            period_end: date | None = x.window_end or x.period_end
        for s in dates:
            sx = s._
            date_start, date_end = sx.date_start, sx.date_end
            future.append(period_end is not None and date_start is not None
                          and date_start > period_end)
            historic.append(period_start is not None and date_end is not None
                            and date_end.year < period_start.year - HISTORIC_YEARS)
        self.future_before = self._running(future)
        self.historic_before = self._running(historic)
        self.money_starts = [s.start_char for s in self._sorted(doc, "money")]

    @staticmethod
    def _sorted(doc: Doc, key: str) -> list[Span]:
        """The Doc's ``key`` spans by start (none when the group is absent)."""
        return sorted(doc.spans.get(key, []), key=lambda s: s.start_char)

    @staticmethod
    def _running(flags: Iterable[bool]) -> list[int]:
        """``out[k]``: how many of the first ``k`` flags are set."""
        return [0, *accumulate(map(int, flags))]

    def facts(self, start_char: int, end_char: int) -> MentionFacts:
        """The counts for the spans that start inside ``[start_char, end_char)``."""
        f0, f1 = self._between(self.figure_starts, start_char, end_char)
        d0, d1 = self._between(self.date_starts, start_char, end_char)
        m0, m1 = self._between(self.money_starts, start_char, end_char)
        return MentionFacts(
            n_percent=self.percent_before[f1] - self.percent_before[f0],
            n_figures=f1 - f0,
            n_money=m1 - m0,
            n_future_dates=self.future_before[d1] - self.future_before[d0],
            n_dates=d1 - d0,
            n_historic_dates=self.historic_before[d1] - self.historic_before[d0],
        )

    @staticmethod
    def _between(starts: list[int], start_char: int, end_char: int) -> tuple[int, int]:
        """The index range of the ``starts`` inside ``[start_char, end_char)`` (empty when
        the range is)."""
        first = bisect.bisect_left(starts, start_char)
        return first, max(first, bisect.bisect_left(starts, end_char))


def mention_facts(doc: Doc, start_char: int, end_char: int) -> MentionFacts:
    """Count the money/figures/dates spans inside one sentence (zero if a group is absent)."""
    return _DocMentions(doc).facts(start_char, end_char)


def _trimmed(doc: Doc, doc_str: str, start_char: int, end_char: int,
             glyphs: str) -> Span | None:
    """The sentence at ``[start_char, end_char)`` of the Doc's text ``doc_str`` without
    surrounding whitespace or leading bullet glyphs, or None."""
    text = doc_str[start_char:end_char]
    lead = len(text) - len(text.lstrip(glyphs + " \t\r\n\u00a0"))
    body = text.rstrip()
    start, end = start_char + lead, start_char + len(body)
    if end <= start or not any(ch.isalnum() for ch in text[lead:len(body)]):
        return None
    return doc.char_span(start, end, alignment_mode="expand")


def _sentence_bounds(doc: Doc, doc_str: str) -> list[tuple[int, int]]:
    """Each of ``doc.sents`` as character bounds, from its first character to where the next
    one starts (the end of the text for the last). Past a sentence's ``end_char`` that takes
    in only the whitespace of its last token, which :func:`_trimmed` strips.

    Why not ``doc.sents``: its iterator builds a Token object per token to test its flag,
    and a Span per sentence; the flags and offsets are read here as arrays in one call."""
    if not doc.has_annotation("SENT_START"):
        return [(0, len(doc_str))]  # without a sentence splitter upstream: one sentence
    flags, idx = doc.to_array([SENT_START, IDX]).T
    # the first token always starts one
    starts = [*idx[:1].tolist(), *idx[1:][flags[1:] == 1].tolist()]
    return list(zip(starts, [*starts[1:], len(doc_str)], strict=True))


@Language.factory("planmine_claims", assigns=["doc.spans"],
                  requires=["token.is_sent_start"],
                  default_config={"span_key": "claims", "rules_path": ""})
def make_claims(nlp: Language, name: str, span_key: str, rules_path: str) -> ClaimsComponent:
    """spaCy factory: ``nlp.add_pipe("planmine_claims")`` (after ``planmine_sentences``);
    ``rules_path`` "" = the shipped rules."""
    return ClaimsComponent(span_key, Path(rules_path) if rules_path else DEFAULT_RULES_PATH)


class ClaimsComponent(RuleFileComponent):
    """Writes ``doc.spans[span_key]``: one span per sentence with ``span._.claim_type``.

    The cue file travels with a saved pipeline (:class:`RuleFileComponent`).
    """

    load_rules = staticmethod(load_claim_rules)

    def __init__(self, span_key: str = "claims", rules_path: Path = DEFAULT_RULES_PATH) -> None:
        extensions.register()
        self.span_key = span_key
        self.use_rules(rules_path)

    def use_rules(self, path: Path) -> None:
        """Read the cue file and derive the cues' prefilters from it now, with the rules,
        as the mention components do theirs: not inside the first document processed."""
        super().use_rules(path)
        _cue_index(self.rules)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        if len(doc):
            text = doc_text(doc)
            x = doc._
            heading, block_kind = x.heading or "", x.block_kind or ""
            mentions = _DocMentions(doc)
            for start_char, end_char in _sentence_bounds(doc, text):
                span = _trimmed(doc, text, start_char, end_char, self.rules.bullet_glyphs)
                if span is None:
                    continue
                span_text = text[span.start_char:span.end_char]  # span.text, not re-joined
                if is_non_sentence(span_text, heading):
                    continue  # a contents entry or a fragment with no word says nothing
                facts = mentions.facts(span.start_char, span.end_char)
                span._.claim_type = classify(span_text, facts, self.rules, heading,
                                             block_kind).claim_type
                spans.append(span)
        doc.spans[self.span_key] = spans
        return doc
