"""What a strategic plan looks like on the page: the rules of ``models/patterns/plan.yaml``.

The ingest stage asks whether a document is laid out as a plan (a committee paper about a plan
is not the plan) and the plan stage reads the plan with the same rules, so they live here, at
the lower stage: the markers ("Our aims by 2026", "We will"), the numbered headings, the plan
tables' column roles, and the ``refresh``/``diff`` settings of the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pipeline.config import PATTERNS_DIR
from pipeline.ingest.layout import Regex
from pipeline.model import Block, Document
from pipeline.rulefiles import StrictModel, read_yaml, validated

PLAN_RULES_FILE = PATTERNS_DIR / "plan.yaml"
#: The kinds of plan element, in plan order; each has its markers ("Our actions").
KINDS = ("aim", "action", "measure")



@dataclass(frozen=True)
class PlanRules:
    """Compiled ``plan``/``refresh``/``diff`` sections of ``models/patterns/plan.yaml``."""

    markers: dict[str, tuple[re.Pattern[str], ...]]
    min_markers: int
    sub_heading: re.Pattern[str]
    top_heading: re.Pattern[str]
    max_heading_words: int
    not_outcomes: tuple[str, ...]
    title: re.Pattern[str]
    min_title_score: float
    title_splitter: re.Pattern[str]
    max_aim_words: int
    not_aim: tuple[re.Pattern[str], ...]
    keep_if_base_score: float
    max_aims: int
    same_score: float
    match_score: float
    generic: GenericRules  # plans in other shapes


@dataclass(frozen=True)
class GenericRules:
    """Compiled ``generic`` section of plan.yaml: plans in other shapes (see that file)."""

    markers: dict[str, tuple[re.Pattern[str], ...]]
    max_marker_words: int
    max_element_words: int
    labelled_heading: re.Pattern[str]
    title_separator: re.Pattern[str]
    slug_words: int
    table_roles: dict[str, tuple[re.Pattern[str], ...]]
    outcome_code: re.Pattern[str]
    empty_cell: re.Pattern[str]
    min_plan_tables: int
    min_generic_markers: int


def _compile(pattern: Any, where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise ValueError(f"{PLAN_RULES_FILE}: {where} must be a regex string, got {pattern!r}")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{PLAN_RULES_FILE}: bad regex at {where}: {exc}") from exc


class _PlanSection(StrictModel):
    markers: dict[Literal["aim", "action", "measure"], list[Regex]]
    min_markers: int
    sub_heading: Regex
    top_heading: Regex
    max_heading_words: int
    not_outcomes: list[str]
    title: Regex


class _GenericSection(StrictModel):
    markers: dict[Literal["aim", "action", "measure", "priority"], list[Regex]]
    max_marker_words: int
    max_element_words: int
    labelled_heading: Regex
    title_separator: Regex
    slug_words: int
    table_roles: dict[str, list[Regex]]
    outcome_code: Regex
    empty_cell: Regex
    min_plan_tables: int
    min_generic_markers: int


class _RefreshSection(StrictModel):
    min_title_score: float
    title_splitter: Regex
    max_aim_words: int
    not_aim: list[Regex]
    keep_if_base_score: float
    max_aims: int


class _DiffSection(StrictModel):
    same_score: float
    match_score: float


class PlanFile(StrictModel):
    """Every section and key of ``plan.yaml`` with its type: an unknown, missing or mistyped
    key, or a regex that does not compile, fails when the file is loaded, naming the key."""

    plan: _PlanSection
    generic: _GenericSection
    refresh: _RefreshSection
    diff: _DiffSection


def load_rules(path: Path = PLAN_RULES_FILE) -> PlanRules:
    """Read and validate the plan layout rules (:class:`PlanFile`); errors name the file and
    the key."""
    data = read_yaml(path)
    validated(PlanFile, data, path)
    try:
        plan, refresh, diff = data["plan"], data["refresh"], data["diff"]
        markers = {kind: tuple(_compile(p, f"plan.markers.{kind}") for p in plan["markers"][kind])
                   for kind in KINDS}
        return PlanRules(
            markers=markers,
            min_markers=int(plan["min_markers"]),
            sub_heading=_compile(plan["sub_heading"], "plan.sub_heading"),
            top_heading=_compile(plan["top_heading"], "plan.top_heading"),
            max_heading_words=int(plan["max_heading_words"]),
            not_outcomes=tuple(str(s).lower() for s in plan["not_outcomes"]),
            title=_compile(plan["title"], "plan.title"),
            min_title_score=float(refresh["min_title_score"]),
            title_splitter=_compile(refresh["title_splitter"], "refresh.title_splitter"),
            max_aim_words=int(refresh["max_aim_words"]),
            not_aim=tuple(_compile(p, "refresh.not_aim") for p in refresh["not_aim"]),
            keep_if_base_score=float(refresh["keep_if_base_score"]),
            max_aims=int(refresh["max_aims"]),
            same_score=float(diff["same_score"]),
            match_score=float(diff["match_score"]),
            generic=_generic_rules(data["generic"], markers),
        )
    except KeyError as exc:
        raise ValueError(f"{path}: missing key {exc} in the plan rules") from exc


def _generic_rules(g: dict[str, Any], base: dict[str, tuple[re.Pattern[str], ...]]) -> GenericRules:
    markers = {kind: base.get(kind, ()) + tuple(_compile(p, f"generic.markers.{kind}")
                                                for p in g["markers"].get(kind, []))
               for kind in (*KINDS, "priority")}
    roles = {role: tuple(_compile(p, f"generic.table_roles.{role}") for p in pats)
             for role, pats in g["table_roles"].items()}
    for role in ("measure", "outcome", "element"):
        if role not in roles:
            raise KeyError(f"generic.table_roles.{role}")
    outcome_code = g["outcome_code"]
    try:
        code_rx = re.compile(str(outcome_code))  # case-sensitive: codes are capitals
    except re.error as exc:
        raise ValueError(f"{PLAN_RULES_FILE}: bad regex at generic.outcome_code: {exc}") from exc
    return GenericRules(
        markers=markers,
        max_marker_words=int(g["max_marker_words"]),
        max_element_words=int(g["max_element_words"]),
        labelled_heading=_compile(g["labelled_heading"], "generic.labelled_heading"),
        title_separator=_compile(g["title_separator"], "generic.title_separator"),
        slug_words=int(g["slug_words"]),
        table_roles=roles,
        outcome_code=code_rx,
        empty_cell=_compile(g["empty_cell"], "generic.empty_cell"),
        min_plan_tables=int(g["min_plan_tables"]),
        min_generic_markers=int(g["min_generic_markers"]),
    )


@cache
def rules() -> PlanRules:
    """The plan rules, loaded once."""
    return load_rules()


# --------------------------------------------------------------------------- parsing


def marker_kind(text: str, r: PlanRules | None = None) -> str | None:
    """``aim``/``action``/``measure`` if the text is a list marker such as "Our actions"."""
    r = r or rules()
    t = " ".join(text.split()).strip()
    for kind, patterns in r.markers.items():
        if any(p.match(t) for p in patterns):
            return kind
    return None


def split_trailing_marker(text: str, r: PlanRules | None = None) -> tuple[str, str | None]:
    """Split a marker run into the end of a bullet ("... independently How we will measure
    success"): a reader can join an unpunctuated last bullet with the next short line."""
    r = r or rules()
    words = text.split()
    for k in range(1, min(6, len(words) - 1) + 1):
        found = marker_kind(" ".join(words[-k:]), r)
        if found and words[-k][:1].isupper():
            return " ".join(words[:-k]), found
    return text, None


def _heading_match(block: Block, pattern: re.Pattern[str], r: PlanRules) -> re.Match[str] | None:
    if block.kind not in ("heading", "paragraph"):
        return None
    text = " ".join(block.text.split())
    if len(text.split()) > r.max_heading_words:
        return None
    return pattern.match(text)


def is_strategic_plan(doc: Document) -> bool:
    """True when the document lays out aims, actions and measures (by content, not name)."""
    r = rules()
    counts = {k: 0 for k in KINDS}
    for block in doc.blocks:
        if block.kind != "table":
            found = marker_kind(block.text, r)
            if found:
                counts[found] += 1
    return all(n >= r.min_markers for n in counts.values())


def generic_marker(text: str, r: PlanRules | None = None) -> str | None:
    """aim/action/measure/priority if the block is a list marker of a plan in another shape."""
    r = r or rules()
    g = r.generic
    t = " ".join(text.split()).strip().rstrip(".")
    if not t or len(t.split()) > g.max_marker_words:
        return None
    for kind, patterns in g.markers.items():
        if any(p.match(t) for p in patterns):
            return kind
    return None


def _column_role(header: str, r: PlanRules) -> str | None:
    h = " ".join(header.split()).lower()
    for role, patterns in r.generic.table_roles.items():
        if any(p.search(h) for p in patterns):
            return role
    return None


def _table_roles(row: list[str], r: PlanRules) -> dict[str, int]:
    roles: dict[str, int] = {}
    for col, cell in enumerate(row):
        role = _column_role(cell, r)
        if role and role not in roles:
            roles[role] = col
    return roles


def _plan_table_count(doc: Document, r: PlanRules) -> int:
    n = 0
    for block in doc.blocks:
        if block.kind == "table" and block.rows:
            roles = _table_roles(block.rows[0], r)
            n += "element" in roles and "measure" in roles
    return n


def looks_like_plan(doc: Document) -> bool:
    """True when the document is laid out as a plan in any shape: the numbered markers of
    :func:`is_strategic_plan`, enough generic marker lists, or enough plan tables."""
    r = rules()
    if is_strategic_plan(doc):
        return True
    g = r.generic
    counts = {k: 0 for k in (*KINDS, "priority")}
    for block in doc.blocks:
        if block.kind in ("heading", "paragraph"):
            found = generic_marker(block.text, r)
            if found:
                counts[found] += 1
    if sum(counts[k] >= g.min_generic_markers for k in KINDS) >= 2:
        return True  # e.g. "Our commitments" and "Key measures" under each priority
    return _plan_table_count(doc, r) >= g.min_plan_tables

