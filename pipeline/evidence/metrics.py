"""Recurring metrics: the same measure, in the same unit, reported in different periods.

A figure's ``measure`` is a short noun phrase ("household waste recycled"). Phrases are
normalised (lower case, filler words dropped, plural "s" trimmed) and matched across
reporting periods with rapidfuzz. Precision matters more than recall — a wrong series is
worse than a missing one — so:

* units must be equal (percent only with percent), and some units never form series;
* two phrases match only if token_sort_ratio AND token_set_ratio both pass high thresholds;
* clusters are stars around a seed phrase (no chaining A~B~C with A far from C);
* generic phrases ("people", "years", "times") are skipped;
* a period whose best candidates disagree in value is dropped as ambiguous;
* a series needs ≥ ``min_periods`` periods and values within ``max_value_ratio`` of each other.

The thresholds and lists live in ``models/evidence_rules.yaml`` (section ``metrics``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ConfigDict
from rapidfuzz import fuzz, process

from pipeline.evidence.coverage import (
    RULES_PATH,
    conform_input,
    period_key,
    read_rules_section,
    reporting_periods,
)
from pipeline.model import CLAIM_TYPES
from pipeline.rulefiles import validated
from pipeline.tables.schema import TABLES

METRICS_COLUMNS = TABLES["metrics"].column_names

@dataclass(frozen=True)
class MetricRules:
    """Thresholds and word lists for matching a measure across periods."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    min_periods: int
    min_token_sort_ratio: float
    min_token_set_ratio: float
    exclude_claim_types: tuple[str, ...]
    skip_units: tuple[str, ...]
    ignore_words: tuple[str, ...]
    generic_measures: tuple[str, ...]
    min_measure_chars: int
    max_value_ratio: float
    drop_ambiguous_periods: bool
    min_shared_context_words: int
    allow_all_zero: bool
    context_max_df: int
    context_max_df_fraction: float
    context_stop_words: tuple[str, ...]
    generic_word_pattern: str

    def __post_init__(self) -> None:
        if self.generic_word_pattern:
            try:
                re.compile(self.generic_word_pattern)
            except re.error as exc:
                raise ValueError(f"metrics.generic_word_pattern is not a valid regex: {exc}") from exc
        if not isinstance(self.min_periods, int) or self.min_periods < 2:
            raise ValueError(
                f"MetricRules.min_periods must be an integer >= 2 (a series recurs), got {self.min_periods!r}")
        for name in ("min_token_sort_ratio", "min_token_set_ratio"):
            value = getattr(self, name)
            if not 0 <= float(value) <= 100:
                raise ValueError(f"MetricRules.{name} must be in [0, 100], got {value!r}")
        for ctype in self.exclude_claim_types:
            if ctype not in CLAIM_TYPES:
                raise ValueError(
                    f"MetricRules.exclude_claim_types: {ctype!r} is not one of {CLAIM_TYPES}")
        if float(self.max_value_ratio) < 1:
            raise ValueError(f"MetricRules.max_value_ratio must be >= 1, got {self.max_value_ratio!r}")
        if not isinstance(self.min_shared_context_words, int) or self.min_shared_context_words < 0:
            raise ValueError("MetricRules.min_shared_context_words must be an integer >= 0,"
                             f" got {self.min_shared_context_words!r}")
        if not 0.0 <= float(self.context_max_df_fraction) <= 1.0:
            raise ValueError("MetricRules.context_max_df_fraction must be in [0, 1],"
                             f" got {self.context_max_df_fraction!r}")
        if self.min_measure_chars < 0:
            raise ValueError(f"MetricRules.min_measure_chars must be >= 0, got {self.min_measure_chars!r}")

    # the word sets the per-figure and per-sentence functions read, built once per rules (a
    # set per call cost more than the words' own work); written to the instance's __dict__
    # by cached_property, which a frozen dataclass allows
    @cached_property
    def ignore_set(self) -> frozenset[str]:
        return frozenset(self.ignore_words)

    @cached_property
    def generic_set(self) -> frozenset[str]:
        """The generic measures and their stems."""
        return frozenset({_stem(g) for g in self.generic_measures} | set(self.generic_measures))

    @cached_property
    def context_stop_set(self) -> frozenset[str]:
        return frozenset(self.context_stop_words) | frozenset(self.ignore_words)


def load_metric_rules(path: Path | None = None) -> MetricRules:
    """The ``metrics`` section of the rules YAML, validated (every key required, unknown keys
    and non-text list items are errors naming the file and key); word lists lower-cased."""
    path = RULES_PATH if path is None else path
    rules = validated(MetricRules, read_rules_section("metrics", path), path, "metrics")
    def low(words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w.lower() for w in words)

    return replace(rules, exclude_claim_types=low(rules.exclude_claim_types),
                   skip_units=low(rules.skip_units), ignore_words=low(rules.ignore_words),
                   generic_measures=low(rules.generic_measures),
                   context_stop_words=low(rules.context_stop_words))


def _stem(token: str) -> str:
    """Trim a plural "s" so "gritter"/"gritters" compare equal (not "ss", not short words)."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def normalise_measure(measure: str, rules: MetricRules) -> str:
    """The comparable form of a measure phrase ('' if it is generic or too short)."""
    words = re.findall(r"[a-z0-9]+", str(measure).lower())
    ignore = rules.ignore_set
    kept = [w for w in words if w not in ignore]
    generic = rules.generic_set
    pattern = re.compile(rules.generic_word_pattern) if rules.generic_word_pattern else None
    if not kept or all(w in generic or _stem(w) in generic or w.isdigit()
                       or (pattern is not None and pattern.fullmatch(w)) for w in kept):
        return ""
    text = " ".join(_stem(w) for w in kept)
    return text if len(text) >= rules.min_measure_chars else ""


def measures_match(a: str, b: str, rules: MetricRules) -> bool:
    """Whether two normalised measure phrases name the same thing (both ratios pass)."""
    if a == b:
        return True
    return (fuzz.token_sort_ratio(a, b) >= rules.min_token_sort_ratio
            and fuzz.token_set_ratio(a, b) >= rules.min_token_set_ratio)


def _matching(seed: str, keys: list[str], rules: MetricRules) -> set[str]:
    """The ``keys`` that :func:`measures_match` ``seed``, both ratios of all of them computed
    in one ``rapidfuzz.process.cdist`` call each (a call per pair cost most of the metrics
    stage). A score under a ratio's threshold comes back as 0 (the cutoff lets rapidfuzz
    skip it), one at or above it as the very score ``measures_match`` compares."""
    if not keys:
        return set()
    sort = process.cdist([seed], keys, scorer=fuzz.token_sort_ratio,
                         score_cutoff=rules.min_token_sort_ratio, dtype=np.float64, workers=1)[0]
    near = [k for k, a in zip(keys, sort.tolist(), strict=True) if a >= rules.min_token_sort_ratio]
    out = {seed} & set(keys)
    if near:  # the second ratio only where the first passed, as measures_match's ``and``
        token_set = process.cdist([seed], near, scorer=fuzz.token_set_ratio,
                                  score_cutoff=rules.min_token_set_ratio, dtype=np.float64,
                                  workers=1)[0]
        out.update(k for k, b in zip(near, token_set.tolist(), strict=True)
                   if b >= rules.min_token_set_ratio)
    return out


def slug(text: str) -> str:
    """Lower-case words joined by hyphens: a stable, readable id part."""
    return "-".join(re.findall(r"[a-z0-9]+", str(text).lower())) or "x"


def context_words(text: str, rules: MetricRules, remove: tuple[str, ...] = ()) -> frozenset[str]:
    """The stemmed words (4+ letters) of a sentence, without ``remove`` texts and stop words."""
    for piece in remove:
        if piece:
            text = text.replace(piece, " ")
    stop = rules.context_stop_set
    # _stem written out (every word here has 4+ letters): a call per word cost most of this
    return frozenset(w[:-1] if w[-1] == "s" and w[-2] != "s" else w
                     for w in _LETTERS4.findall(str(text).lower()) if w not in stop)


_LETTERS4 = re.compile(r"[a-z]{4,}")


def _informative(contexts: list[frozenset[str]], rules: MetricRules) -> set[str]:
    """Words in few enough sentences to say what a sentence is about."""
    df: Counter[str] = Counter()
    for ctx in contexts:
        df.update(ctx)
    limit = max(rules.context_max_df, rules.context_max_df_fraction * len(contexts))
    return {w for w, n in df.items() if n <= limit}


def _candidates(figures: pd.DataFrame, claims: pd.DataFrame, documents: pd.DataFrame,
                rules: MetricRules) -> pd.DataFrame:
    """Figures that may belong to a series: with a period, a usable measure and unit."""
    figures = conform_input(figures, "figures")
    claims = conform_input(claims, "claims")
    periods = reporting_periods(documents)
    f = figures.copy()
    f["period_label"] = f["doc_id"].astype(str).map(periods)
    f["value"] = pd.to_numeric(f["value"], errors="coerce")
    f["unit"] = f["unit"].astype(str).str.strip().str.lower()
    cids = claims["claim_id"].astype(str)
    ctype = dict(zip(cids.tolist(), claims["claim_type"].astype(str).tolist(), strict=True))
    f["claim_type"] = f["claim_id"].astype(str).map(ctype).fillna("")
    # context of every report sentence, with the text of all its figures taken out
    fig_texts: dict[str, list[str]] = {}
    for cid, text in zip(figures["claim_id"].astype(str).tolist(),
                         figures["text"].astype(str).tolist(), strict=True):
        fig_texts.setdefault(cid, []).append(text)
    in_reports = claims["doc_id"].astype(str).isin(periods)
    contexts = {cid: context_words(text, rules, tuple(fig_texts.get(cid, ())))
                for cid, text in zip(cids[in_reports].tolist(),
                                     claims.loc[in_reports, "text"].astype(str).tolist(),
                                     strict=True)}
    informative = _informative(list(contexts.values()), rules)
    f = f[f["period_label"].notna() & f["value"].notna()
          & ~f["unit"].isin(rules.skip_units) & ~f["unit"].isin(("", "nan", "none"))
          & ~f["claim_type"].isin(rules.exclude_claim_types)]
    f = f.assign(key=[normalise_measure(m, rules) if isinstance(m, str) else ""
                      for m in f["measure"]])
    f = f[f["key"] != ""]
    return f.assign(context=[
        frozenset(contexts.get(str(c), frozenset()) & informative) - set(k.split())
        for c, k in zip(f["claim_id"], f["key"], strict=True)])


def _values_consistent(values: list[float], rules: MetricRules) -> bool:
    mags = [abs(v) for v in values]
    if all(m == 0 for m in mags):
        return rules.allow_all_zero
    if any(m == 0 for m in mags):
        return False
    return max(mags) / min(mags) <= rules.max_value_ratio


def _support(context: frozenset[str], others: list[frozenset[str]]) -> int:
    """Most context words ``context`` shares with any of ``others``."""
    return max((len(context & o) for o in others), default=0)


@dataclass(frozen=True)
class _Cand:
    """One candidate figure of a series (a row of :func:`_candidates`, as plain values: the
    series search looks at each many times, and pandas row access cost most of the stage)."""

    key: str
    period_label: str
    value: float
    claim_id: object
    mention_id: object
    context: frozenset[str]
    measure: object


def _series_rows(seed: str, group: list[_Cand], rules: MetricRules) -> list[dict]:
    """One value per period for the star around ``seed``, or [] if it is not a series.

    Within a period: best measure match, then most context shared with other periods'
    candidates, then first mention; a tie that disagrees in value drops the period. Each kept
    value must share ``min_shared_context_words`` with another kept value's sentence.
    """
    score = {k: 100.0 if k == seed else fuzz.token_sort_ratio(seed, k)
             for k in dict.fromkeys(c.key for c in group)}
    by_period: dict[str, list[_Cand]] = {}
    for c in group:
        by_period.setdefault(c.period_label, []).append(c)
    by_period = {p: by_period[p] for p in sorted(by_period)}
    picks: dict[str, _Cand] = {}
    for period, cands in by_period.items():
        others = [c.context for p, g in by_period.items() if p != period for c in g]
        ranked = sorted(((score[c.key], _support(c.context, others), c) for c in cands),
                        key=lambda t: (-t[0], -t[1], t[2].mention_id))
        top_score, top_support, top = ranked[0]
        tied = {c.value for s, n, c in ranked if s == top_score and n == top_support}
        if len(tied) > 1 and rules.drop_ambiguous_periods:
            continue
        picks[period] = top
    need = rules.min_shared_context_words
    if need:
        picks = {p: r for p, r in picks.items()
                 if _support(r.context, [o.context for q, o in picks.items() if q != p]) >= need}
    rows = [{"period_label": p, "value": float(r.value), "claim_id": str(r.claim_id)}
            for p, r in picks.items()]
    if len(rows) < rules.min_periods or not _values_consistent([float(r.value) for r in picks.values()],
                                                                rules):
        return []
    return rows


def build_metrics(
    figures: pd.DataFrame,
    claims: pd.DataFrame,
    documents: pd.DataFrame,
    rules: MetricRules | None = None,
) -> pd.DataFrame:
    """The metrics table: values of measures that recur across reporting periods.

    ``series_id`` is ``<slug of the normalised measure>--<slug of the unit>`` of the series'
    seed phrase, so it is stable across runs. ``measure`` is the seed's most frequent wording.
    One row per (series, period), sorted by series_id and period.
    """
    rules = load_metric_rules() if rules is None else rules
    cand = _candidates(figures, claims, documents, rules)
    by_unit: dict[str, list[_Cand]] = {}
    for unit, *fields in zip(cand["unit"], cand["key"], cand["period_label"], cand["value"],
                             cand["claim_id"], cand["mention_id"], cand["context"],
                             cand["measure"], strict=True):
        by_unit.setdefault(unit, []).append(_Cand(*fields))
    out: list[dict] = []
    for unit in sorted(by_unit):
        cu = by_unit[unit]
        periods: dict[str, set[str]] = {}
        counts: Counter[str] = Counter()
        for c in cu:
            periods.setdefault(c.key, set()).add(c.period_label)
            counts[c.key] += 1
        order = sorted(periods, key=lambda k: (-len(periods[k]), -counts[k], k))
        assigned: set[str] = set()
        for seed in order:
            if seed in assigned:
                continue
            members = _matching(seed, [k for k in order if k not in assigned], rules)
            rows = _series_rows(seed, [c for c in cu if c.key in members], rules)
            if not rows:
                continue
            assigned.update(members)
            wording = Counter(str(c.measure).strip().lower() for c in cu if c.key == seed)
            measure = sorted(wording.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            series_id = f"{slug(seed)}--{slug(unit)}"
            out.extend({"series_id": series_id, "measure": measure, "unit": unit, **r} for r in rows)
    if not out:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in METRICS_COLUMNS})
    df = pd.DataFrame(out)
    df = df.sort_values(["series_id", "period_label"],
                        key=lambda s: s.map(period_key) if s.name == "period_label" else s)
    return df[METRICS_COLUMNS].reset_index(drop=True)
