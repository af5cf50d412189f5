"""The strategic plan as data: outcomes, sub-outcomes and their aims, actions and measures.

A plan document is read through the shared :class:`~pipeline.model.Document` model only (no
PDF or text specifics): numbered headings give the outcomes ("4. Clean and Green") and
sub-outcomes ("4.1 People act now ..."), and under each sub-outcome the marker headings
"Our aim(s) by 2026", "Our actions" and "How we will measure success" open lists whose
bullets are the plan elements of kind ``aim``, ``action`` and ``measure``. The marker
wording and the heading shapes are data in ``models/patterns/plan.yaml`` (section ``plan``).

A top-level section is an outcome only when every numbered sub-section under it states aims
and its title is not listed under ``not_outcomes`` (the 2022-26 plan's "Strategic Change
Portfolio" has aims in 9.2 and 9.4 but not in 9.1 and 9.3, and is an internal programme).

IDs follow SCHEMA.md: ``plan_id`` is the plan document's ``doc_id``; an element is
``<plan_id>:<sub_outcome_id>:<a|c|m><n>`` numbered from 1 per sub-outcome and kind.

Plan files (``read_plan_file``) let a user supply a plan without a document:

* CSV: one row per element with columns ``outcome_id, outcome, sub_outcome_id, sub_outcome,
  kind, text``; optional ``plan_id``, ``aim_id``, ``title``, ``period_start``, ``period_end``
  (plan-level columns are read from the first row).
* YAML: a mapping with optional ``plan_id``, ``title``, ``period_start``, ``period_end``,
  ``version_label`` and a list ``aims`` of mappings with the CSV columns.

Without ``plan_id`` the plan id is the first 12 hex digits of the file's SHA-256, like a
document id; missing ``aim_id`` values are generated in file order.

A later report can restate the aims after a refresh (the 2024 report has "Our aims by 2026"
under each of its renumbered sections): :func:`refreshed_plan` maps those sections to the
base plan's sub-outcomes by title (rapidfuzz), never by number, and returns a second version.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from pipeline.config import PATTERNS_DIR
from pipeline.model import Block, Document, doc_id_for, sha256_of
from pipeline.nlp.patterns import read_yaml

PLAN_RULES_FILE = PATTERNS_DIR / "plan.yaml"
KINDS = ("aim", "action", "measure")
KIND_LETTER = {"aim": "a", "action": "c", "measure": "m"}
AIM_COLUMNS = ("aim_id", "plan_id", "outcome_id", "outcome", "sub_outcome_id", "sub_outcome",
               "kind", "text")


class PlanNotFound(ValueError):
    """A document given or found as the plan lays out no plan elements (message: one line)."""


@dataclass
class Aim:
    """One plan element (a row of the ``aims`` table)."""

    aim_id: str
    plan_id: str
    outcome_id: str
    outcome: str
    sub_outcome_id: str
    sub_outcome: str
    kind: str
    text: str


@dataclass
class Plan:
    """A strategic plan version: metadata and its elements in plan order."""

    plan_id: str
    doc_id: str
    title: str
    period_start: date | None
    period_end: date | None
    version_label: str
    aims: list[Aim] = field(default_factory=list)

    def sub_outcomes(self) -> dict[str, str]:
        """sub_outcome_id → title, in plan order."""
        return {a.sub_outcome_id: a.sub_outcome for a in self.aims}

    def outcomes(self) -> dict[str, str]:
        """outcome_id → title, in plan order."""
        return {a.outcome_id: a.outcome for a in self.aims}

    def elements(self, sub_outcome_id: str, kind: str | None = None) -> list[Aim]:
        """The elements of one sub-outcome (of one kind if given)."""
        return [a for a in self.aims if a.sub_outcome_id == sub_outcome_id
                and (kind is None or a.kind == kind)]


# --------------------------------------------------------------------------- rules


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


def load_rules(path: Path = PLAN_RULES_FILE) -> PlanRules:
    """Read and validate the plan layout rules; errors name the file and the key."""
    data = read_yaml(path)
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


def clean_element(text: str) -> str:
    """An element's text with whitespace collapsed and stray bullet glyphs removed."""
    text = " ".join(text.split())
    return re.sub(r"^[\-\u2022\u25cf\u25aa\uf0b7o•·]\s+", "", text).strip()


@dataclass
class _Sub:
    outcome_id: str
    number: str
    title: str
    elements: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})


def _outcome_titles(doc: Document, r: PlanRules) -> dict[str, str]:
    """Top-level numbered headings: number → title (the last one seen wins; TOC lines lose)."""
    titles: dict[str, str] = {}
    for block in doc.blocks:
        if block.kind != "heading":
            continue
        m = _heading_match(block, r.top_heading, r)
        if m and not r.sub_heading.match(block.text.strip()) and "\t" not in block.text:
            titles[m["outcome"]] = m["title"].strip()
    return titles


def _outcome_from_path(path: Iterable[str], number: str, r: PlanRules) -> str | None:
    for title in reversed(tuple(path)):
        m = r.top_heading.match(" ".join(title.split()))
        if m and m["outcome"] == number and not r.sub_heading.match(title.strip()):
            return m["title"].strip()
    return None


def _scan(doc: Document, r: PlanRules) -> tuple[list[_Sub], dict[str, str]]:
    """Walk the blocks once: numbered sub-sections and the bullets under their markers."""
    subs: list[_Sub] = []
    outcome_names: dict[str, str] = {}
    current: _Sub | None = None
    kind: str | None = None
    for block in doc.blocks:
        m_sub = _heading_match(block, r.sub_heading, r)
        if m_sub:
            current = _Sub(m_sub["outcome"], f"{m_sub['outcome']}.{m_sub['sub']}",
                           m_sub["title"].strip())
            subs.append(current)
            kind = None
            name = _outcome_from_path(block.heading_path, m_sub["outcome"], r)
            if name:
                outcome_names.setdefault(m_sub["outcome"], name)
            continue
        if block.kind == "heading" and _heading_match(block, r.top_heading, r):
            current, kind = None, None
            continue
        found = marker_kind(block.text, r) if block.kind != "table" else None
        if found:
            kind = found
            continue
        if current is not None and kind is not None and block.kind == "bullet":
            text, trailing = split_trailing_marker(clean_element(block.text), r)
            if text:
                current.elements[kind].append(text)
            kind = trailing or kind
    return subs, outcome_names


def _plan_subs(subs: list[_Sub], outcome_titles: dict[str, str], r: PlanRules) -> list[_Sub]:
    """Keep the sub-sections of real outcomes (see the module docstring)."""
    by_outcome: dict[str, list[_Sub]] = {}
    for sub in subs:
        by_outcome.setdefault(sub.outcome_id, []).append(sub)
    kept: list[_Sub] = []
    for outcome_id, group in by_outcome.items():
        title = outcome_titles.get(outcome_id, "").lower()
        if any(word in title for word in r.not_outcomes):
            continue
        # an outcome is kept when its sections state aims; a section without an aims list
        # (but with actions or measures) stays in, a section with no elements at all does not
        if not any(s.elements["aim"] for s in group):
            continue
        seen: set[str] = set()
        for sub in group:
            if sub.number not in seen:  # a repeated number (a cross-reference) is not a section
                seen.add(sub.number)
                if any(sub.elements.values()):
                    kept.append(sub)
    return kept


def _period(doc: Document, r: PlanRules) -> tuple[str, date | None, date | None]:
    for block in doc.blocks:
        m = r.title.search(" ".join(block.text.split()))
        if m:
            start = int(m["start"])
            end_text = m["end"]
            end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
            if end < start:
                end += 100
            label = f"{m['title'].strip()} {start}-{end_text}"
            return label, date(start, 4, 1), date(end, 3, 31)
    return doc.title or doc.stem, doc.period_start, doc.period_end


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


def parse_plan(doc: Document) -> Plan:
    """The plan laid out in ``doc``: every bullet under every sub-outcome's markers.

    Raises ``ValueError`` naming the document when no outcome with aims is found.
    """
    r = rules()
    subs, names_from_paths = _scan(doc, r)
    titles = {**_outcome_titles(doc, r), **names_from_paths}
    kept = _plan_subs(subs, titles, r)
    plan_id = doc.doc_id
    title, start, end = _period(doc, r)
    label = f"{start.year}-{str(end.year)[2:]}" if start and end else "v1"
    if not kept:
        generic = generic_elements(doc, plan_id, r)
        if not generic:
            raise PlanNotFound(f"{doc.file}: no plan outcomes found (no numbered sections with "
                             "'Our aims' lists, no 'We will'/'Key measures' lists, no plan "
                             "tables); is this a strategic plan? (or pass a CSV/YAML plan file)")
        return Plan(plan_id=plan_id, doc_id=doc.doc_id, title=title, period_start=start,
                    period_end=end, version_label=label, aims=generic)
    aims: list[Aim] = []
    for sub in kept:
        for kind in KINDS:
            for n, text in enumerate(sub.elements[kind], start=1):
                aims.append(Aim(
                    aim_id=f"{plan_id}:{sub.number}:{KIND_LETTER[kind]}{n}", plan_id=plan_id,
                    outcome_id=sub.outcome_id, outcome=titles.get(sub.outcome_id, ""),
                    sub_outcome_id=sub.number, sub_outcome=sub.title, kind=kind, text=text))
    return Plan(plan_id=plan_id, doc_id=doc.doc_id, title=title, period_start=start,
                period_end=end, version_label=label, aims=aims)


# --------------------------------------------------------------------------- plans in other shapes
#
# A plan that does not number its sub-outcomes "4.1" and open them with "Our aims by" is read
# in two ways, whose results are joined:
#
# * marker lists: a heading owns the lists opened under it by markers such as "We will",
#   "Our commitments", "Key measures" (plan.yaml ``generic.markers``). Owning headings are
#   the sub-outcomes; their outcome is the heading above them (by level, or, where a reader
#   gives every heading one level as plain text does, the heading directly followed by another
#   heading). When every owner has the same parent the plan is flat: each priority is its own
#   outcome and sub-outcome. An "Our priorities" list names priorities that may have no lists.
# * tables: a table whose header names an element column ("What we have committed to",
#   "Action") and a measure column; a row with only the element cell filled opens a priority
#   (a sub-outcome), other rows are actions whose measure cell is a measure and whose outcome
#   column ("Shared Outcome": "SO2, SO3") gives the element's own outcome (the first code,
#   named from a code → title table elsewhere in the document). A table of measures only
#   ("Indicators") gives measures of its section.
#
# Ids are printed ones where the plan prints them ("Priority 2:", "3.", "SO1"), else slugs of
# the title: stable for the same text, whatever the position.


@dataclass
class _Owner:
    """A sub-outcome being collected: its printed id (if any), title, outcome and elements."""

    title: str
    printed_id: str = ""
    parent: int | None = None  # index of the parent heading block (marker plans)
    outcome_title: str = ""
    outcome_id: str = ""
    elements: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=lambda: {k: [] for k in KINDS})  # kind → [(text, outcome_id, outcome)]

    def add(self, kind: str, text: str, outcome_id: str = "", outcome: str = "") -> None:
        if text and text not in {t for t, _, _ in self.elements[kind]}:
            self.elements[kind].append((text, outcome_id, outcome))


def slugify(text: str, words: int = 6) -> str:
    """A short, stable id from a title: "Cleaner, greener streets" → "cleaner-greener-streets"."""
    tokens = re.findall(r"[a-z0-9]+", text.lower().replace("&", " and "))
    return "-".join(tokens[:words]) or "item"


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


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


def _split_generic_marker(text: str, r: PlanRules) -> tuple[str, str | None]:
    """Split a marker run into the end of a list item (see :func:`split_trailing_marker`)."""
    words = text.split()
    for k in range(min(6, len(words) - 1), 0, -1):
        found = generic_marker(" ".join(words[-k:]), r)
        if found and words[-k][:1].isupper():
            return " ".join(words[:-k]), found
    return text, None


def _split_label(text: str, number: str, r: PlanRules) -> tuple[str, str]:
    """(printed id, title) of a heading: "Priority 2: Homes" → ("2", "Homes"); "3. Jobs" → ("3", "Jobs")."""
    text = " ".join(text.split())
    m = r.generic.labelled_heading.match(text)
    if m:
        return m["id"], m["title"].strip()
    if number:
        rest = re.sub(rf"^\s*{re.escape(number)}\.?\s*", "", text)
        return number, rest.strip() or text
    return "", text


def _marker_owners(doc: Document, r: PlanRules) -> list[_Owner]:
    """Sub-outcomes laid out as headings with marker lists (see the section comment)."""
    g = r.generic
    blocks = doc.blocks
    kinds = [generic_marker(b.text, r) if b.kind in ("heading", "paragraph") else None
             for b in blocks]
    owners: dict[int, _Owner] = {}
    order: list[int] = []
    listed: list[str] = []  # items of "Our priorities" lists
    current: int | None = None
    kind: str | None = None
    style: str | None = None
    for i, block in enumerate(blocks):
        if kinds[i]:
            kind, style = kinds[i], None
            continue
        if block.kind == "heading":
            current, kind, style = i, None, None
            continue
        if kind is None:
            continue
        if block.kind == "table":
            rows = block.rows or [[]]
            role = _column_role(rows[0][0], r) if rows[0] else None
            if kind != "priority" and current is not None and role != "element":
                # a table under a marker: its first column, a measure if its header says so
                for text in _table_first_cells(block, r):
                    _owner(owners, order, current, blocks, r).add(
                        "measure" if role == "measure" else kind, text)
            kind = None
            continue
        text = clean_element(block.text)
        if not text:
            continue
        too_long = len(text.split()) > g.max_element_words
        if block.kind == "paragraph" and (style == "bullet" or too_long):
            kind = None  # body text after the list
            continue
        if too_long:
            continue
        style = style or block.kind
        # a reader can join an unpunctuated last item with the next marker ("... days We will:")
        text, trailing = _split_generic_marker(text, r)
        if kind == "priority":
            listed.append(text.rstrip(". "))
        elif current is not None and text:
            _owner(owners, order, current, blocks, r).add(kind, text.rstrip(" ;"))
        if trailing:
            kind, style = trailing, None
    result = [owners[i] for i in order]
    _assign_parents(result, order, blocks, kinds, r)
    # priorities named in a list but given no section of their own are elements too
    known = {_norm(o.title) for o in result}
    for text in listed:
        if _norm(text) not in known and not any(
                fuzz.token_set_ratio(_norm(text), k) >= 90 for k in known):
            owner = _Owner(title=text)
            owner.add("aim", text)
            result.append(owner)
            known.add(_norm(text))
    return result


def _owner(owners: dict[int, _Owner], order: list[int], i: int, blocks: list[Block],
           r: PlanRules) -> _Owner:
    if i not in owners:
        printed, title = _split_label(blocks[i].text, blocks[i].number, r)
        owners[i] = _Owner(title=title, printed_id=printed)
        order.append(i)
    return owners[i]


def _assign_parents(owners: list[_Owner], order: list[int], blocks: list[Block],
                    kinds: list[str | None], r: PlanRules) -> None:
    """Each owner's outcome heading: the nearest heading above of a higher level; where all
    headings share one level, the nearest non-owner heading directly followed by a heading."""
    owner_idx = set(order)
    heads = [i for i, b in enumerate(blocks) if b.kind == "heading" and not kinds[i]]
    group_heads: set[int] = set()
    for i in heads:
        nxt = next((j for j in range(i + 1, len(blocks)) if not kinds[j]), None)
        if nxt is not None and blocks[nxt].kind == "heading" and i not in owner_idx:
            group_heads.add(i)
    for owner, i in zip(owners, order, strict=True):
        level = blocks[i].level
        parent = next((j for j in reversed(heads) if j < i and blocks[j].level < level), None)
        if parent is None:
            parent = next((j for j in reversed(heads) if j < i and j in group_heads), None)
        owner.parent = parent
    parents = {o.parent for o in owners}
    if len(parents) <= 1:
        return  # a flat plan: each priority is its own outcome
    for owner in owners:
        if owner.parent is not None:
            printed, title = _split_label(blocks[owner.parent].text, blocks[owner.parent].number, r)
            owner.outcome_title, owner.outcome_id = title, printed


def _table_first_cells(block: Block, r: PlanRules) -> list[str]:
    """The first cell of each row of a table under a marker, without a header row."""
    rows = block.rows or [line.split("\t") for line in block.text.splitlines()]
    out = []
    for n, row in enumerate(rows):
        cell = clean_element(row[0]) if row else ""
        if n == 0 and _column_role(cell, r):
            continue
        if cell and not r.generic.empty_cell.match(cell.lower()):
            out.append(cell)
    return out


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


def _outcome_names(doc: Document, r: PlanRules) -> dict[str, str]:
    """code → title from tables pairing a title with a code in every row ("Give ... | SO1")."""
    names: dict[str, str] = {}
    code = r.generic.outcome_code
    for block in doc.blocks:
        if block.kind != "table" or not block.rows or len(block.rows) < 3:
            continue
        body = block.rows[1:]
        for col in range(min(len(r_) for r_ in block.rows)):
            cells = [row[col].strip() for row in body]
            # a lookup table names each code once ("Give ... | SO1", "Tackle ... | SO2")
            if all(code.fullmatch(c) for c in cells) and len(set(cells)) == len(cells):
                other = [c for c in range(len(body[0])) if c != col]
                if other:
                    for row in body:
                        names.setdefault(row[col].strip(), clean_element(row[other[0]]))
                break
    return names


def _canonical_code(code: str, names: dict[str, str]) -> str:
    """The lookup table's spelling of a code typed with a zero for a letter O ("S02" → "SO2")."""
    if code in names:
        return code
    return next((k for k in names if k.replace("O", "0") == code.replace("O", "0")), code)


def _section_title(block: Block, r: PlanRules) -> str:
    title = block.heading_path[-1] if block.heading_path else ""
    parts = [p for p in r.generic.title_separator.split(title) if p.strip()]
    return parts[-1].strip() if parts else title


def _table_owners(doc: Document, r: PlanRules) -> list[_Owner]:
    """Sub-outcomes and elements of a plan set out in tables (see the section comment)."""
    g = r.generic
    names = _outcome_names(doc, r)
    owners: dict[str, _Owner] = {}
    current: _Owner | None = None
    section = ""

    def owner_for(title: str) -> _Owner:
        key = _norm(title)
        if key not in owners:
            owners[key] = _Owner(title=title)
        return owners[key]

    def empty(cell: str) -> bool:
        return bool(g.empty_cell.match(" ".join(cell.split()).lower()))

    for block in doc.blocks:
        if block.kind != "table" or not block.rows or len(block.rows) < 2:
            continue
        roles = _table_roles(block.rows[0], r)
        heading = block.heading_path[-1] if block.heading_path else ""
        if "element" not in roles and generic_marker(heading, r):
            continue  # a list table under a marker: read with the marker lists
        if heading != section:
            section, current = heading, None  # a table under a new heading: a new section
        if "element" in roles:
            ecol = roles["element"]
            for row in block.rows[1:]:
                cells = [" ".join(c.split()) for c in row]
                text = clean_element(cells[ecol]) if ecol < len(cells) else ""
                if empty(text):
                    continue
                others = [c for n, c in enumerate(cells) if n != ecol and not empty(c)]
                if not others:  # a priority row
                    current = owner_for(text.rstrip(". "))
                    continue
                if current is None:
                    current = owner_for(_section_title(block, r))
                codes = (g.outcome_code.findall(cells[roles["outcome"]])
                         if "outcome" in roles and roles["outcome"] < len(cells) else [])
                oid = _canonical_code(codes[0], names) if codes else ""
                oname = names.get(oid, oid)
                current.add("action", text, oid, oname)
                mcol = roles.get("measure")
                if mcol is not None and mcol < len(cells) and not empty(cells[mcol]):
                    current.add("measure", clean_element(cells[mcol]), oid, oname)
        elif "measure" in roles and roles["measure"] == 0:
            # measures of the priority above, else of their own section ("Indicators ~ X")
            target = current or owner_for(" ".join(heading.split()) or "Measures")
            for row in block.rows[1:]:
                cell = clean_element(row[0]) if row else ""
                if not empty(cell):
                    target.add("measure", cell)
    return [o for o in owners.values() if any(o.elements.values())]


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


def generic_elements(doc: Document, plan_id: str, r: PlanRules | None = None) -> list[Aim]:
    """The elements of a plan in another shape (marker lists and plan tables), in plan order."""
    r = r or rules()
    owners = _marker_owners(doc, r) + _table_owners(doc, r)
    g = r.generic
    used_subs: dict[str, int] = {}
    used_outcomes: dict[str, str] = {}  # outcome title → id

    def unique(base: str, used: dict[str, int]) -> str:
        used[base] = used.get(base, 0) + 1
        return base if used[base] == 1 else f"{base}-{used[base]}"

    aims: list[Aim] = []
    for owner in owners:
        if not owner.elements["aim"] and not owner.elements["action"] and \
                not owner.elements["measure"]:
            continue
        sub_id = unique(owner.printed_id or slugify(owner.title, g.slug_words), used_subs)
        if owner.outcome_title:
            key = _norm(owner.outcome_title)
            if key not in used_outcomes:
                used_outcomes[key] = owner.outcome_id or slugify(owner.outcome_title, g.slug_words)
            default = (used_outcomes[key], owner.outcome_title)
        else:
            default = (sub_id, owner.title)  # flat: the priority is its own outcome
        # a row without an outcome of its own takes its priority's most common one
        row_outcomes = Counter((o, n) for kind in KINDS for _, o, n in owner.elements[kind] if o)
        if row_outcomes:
            default = row_outcomes.most_common(1)[0][0]
        if not owner.elements["aim"]:
            owner.add("aim", owner.title)  # a priority without an aims list states its title
        for kind in KINDS:
            for n, (text, oid, oname) in enumerate(owner.elements[kind], start=1):
                outcome_id, outcome = (oid, oname) if oid else default
                aims.append(Aim(aim_id=f"{plan_id}:{sub_id}:{KIND_LETTER[kind]}{n}",
                                plan_id=plan_id, outcome_id=outcome_id, outcome=outcome,
                                sub_outcome_id=sub_id, sub_outcome=owner.title, kind=kind,
                                text=text))
    return aims


# --------------------------------------------------------------------------- plan files


def _to_date(value: Any) -> date | None:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _plan_from_rows(rows: list[dict[str, Any]], meta: dict[str, Any], default_id: str) -> Plan:
    plan_id = str(meta.get("plan_id") or default_id)
    aims: list[Aim] = []
    counters: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows, start=1):
        # titles may be empty (a plan may not name an outcome); ids, kind and text may not
        missing = [c for c in ("outcome_id", "sub_outcome_id", "kind", "text")
                   if row.get(c) in (None, "")]
        if missing:
            raise ValueError(f"plan file row {i}: missing {', '.join(missing)}")
        kind = str(row["kind"]).strip().lower()
        if kind not in KINDS:
            raise ValueError(f"plan file row {i}: kind must be one of {KINDS}, got {kind!r}")
        sub_id = str(row["sub_outcome_id"]).strip()
        key = (sub_id, kind)
        counters[key] = counters.get(key, 0) + 1
        aim_id = row.get("aim_id") or f"{plan_id}:{sub_id}:{KIND_LETTER[kind]}{counters[key]}"
        aims.append(Aim(aim_id=str(aim_id), plan_id=plan_id,
                        outcome_id=str(row["outcome_id"]).strip(),
                        outcome=str(row.get("outcome") or ""),
                        sub_outcome_id=sub_id, sub_outcome=str(row.get("sub_outcome") or ""),
                        kind=kind,
                        text=clean_element(str(row["text"]))))
    return Plan(plan_id=plan_id, doc_id=str(meta.get("doc_id") or plan_id),
                title=str(meta.get("title") or ""), period_start=_to_date(meta.get("period_start")),
                period_end=_to_date(meta.get("period_end")),
                version_label=str(meta.get("version_label") or "v1"), aims=aims)


def read_plan_file(path: Path) -> Plan:
    """A plan from a CSV or YAML file (format in the module docstring)."""
    path = Path(path)
    default_id = doc_id_for(sha256_of(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows = df.to_dict("records")
        meta = rows[0] if rows else {}
        return _plan_from_rows(rows, meta, default_id)
    if suffix in (".yaml", ".yml"):
        data = read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("aims"), list):
            raise ValueError(f"{path}: a YAML plan is a mapping with a list 'aims'")
        return _plan_from_rows([dict(a) for a in data["aims"]], data, default_id)
    raise ValueError(f"{path}: plan files are .csv, .yaml or .yml, got {suffix!r}")


# --------------------------------------------------------------------------- refresh


def _split_titles(title: str, r: PlanRules) -> list[str]:
    parts = [p.strip(" .;") for p in r.title_splitter.split(title) if p and p.strip(" .;")]
    out = []
    for part in parts:
        m = r.sub_heading.match(part)
        out.append(m["title"] if m else part)
    return out


def map_title(title: str, base: Plan, r: PlanRules | None = None) -> str | None:
    """The base plan's sub_outcome_id whose title best matches ``title`` (or None)."""
    r = r or rules()
    best, best_score = None, 0.0
    for sub_id, sub_title in base.sub_outcomes().items():
        score = fuzz.token_set_ratio(title.lower(), sub_title.lower())
        if score > best_score:
            best, best_score = sub_id, score
    return best if best_score >= r.min_title_score else None


def _looks_like_aim(text: str, r: PlanRules) -> bool:
    if len(text.split()) > r.max_aim_words:
        return False
    return not any(p.search(text) for p in r.not_aim)


def _split_sentences(text: str) -> Iterator[str]:
    for part in re.split(r"(?<=[a-z)])\.\s+(?=[A-Z])", text):
        part = part.strip()
        if part:
            yield part


def _best_base(text: str, candidates: list[str], base: Plan) -> tuple[str, float]:
    best, best_score = candidates[0], -1.0
    for sub_id in candidates:
        for aim in base.elements(sub_id, "aim"):
            score = fuzz.token_set_ratio(text.lower(), aim.text.lower())
            if score > best_score:
                best, best_score = sub_id, score
    return best, best_score


def refreshed_plan(doc: Document, base: Plan) -> Plan | None:
    """The aims a report restates under "Our aims by ..." headings, as a new plan version.

    Sections are mapped to ``base``'s sub-outcomes by title; an aim under a heading naming
    several sub-outcomes goes to the one whose base aims it resembles most. Returns None when
    the document restates no aims (most reports) or is the base plan itself.
    """
    r = rules()
    if doc.doc_id == base.doc_id:
        return None
    found: dict[str, list[str]] = {}
    blocks = doc.blocks
    section: str | None = None
    for i, block in enumerate(blocks):
        m_sub = _heading_match(block, r.sub_heading, r)
        if m_sub:  # a numbered title, whether the reader made it a heading or a paragraph
            section = f"{m_sub['outcome']}.{m_sub['sub']} {m_sub['title']}"
            continue
        if block.kind == "table" or marker_kind(block.text, r) != "aim":
            continue
        if section is None:
            continue
        candidates = [s for s in (map_title(t, base, r) for t in _split_titles(section, r)) if s]
        if not candidates:
            continue
        taken = 0
        for nxt in blocks[i + 1:]:
            # a short aim printed in bold can be read as a heading: only the first block may be one
            if nxt.kind == "table" or taken >= r.max_aims or (nxt.kind == "heading" and taken):
                break
            text = clean_element(nxt.text)
            stop = len(text.split()) > r.max_aim_words and \
                _best_base(text, candidates, base)[1] < r.keep_if_base_score
            picks = [] if stop else [(sentence, *_best_base(sentence, candidates, base))
                                     for sentence in _split_sentences(text)]
            if any(score < r.keep_if_base_score and not _looks_like_aim(sentence, r)
                   for sentence, _, score in picks):
                stop = True
            else:
                for sentence, sub_id, _ in picks:
                    found.setdefault(sub_id, []).append(sentence.rstrip(". "))
                    taken += 1
            if stop:
                break
    if not found:
        return None
    plan_id = doc.doc_id
    outcomes = base.outcomes()
    subs = base.sub_outcomes()
    # the outcome of a sub-outcome is the base plan's own (never derived from the id's shape)
    outcome_of = {a.sub_outcome_id: a.outcome_id for a in base.aims}
    aims: list[Aim] = []
    for sub_id in subs:  # base plan order
        for n, text in enumerate(found.get(sub_id, []), start=1):
            outcome_id = outcome_of[sub_id]
            aims.append(Aim(aim_id=f"{plan_id}:{sub_id}:a{n}", plan_id=plan_id,
                            outcome_id=outcome_id, outcome=outcomes.get(outcome_id, ""),
                            sub_outcome_id=sub_id, sub_outcome=subs[sub_id], kind="aim", text=text))
    label = f"refresh ({doc.period_label})" if doc.period_label else "refresh"
    return Plan(plan_id=plan_id, doc_id=doc.doc_id, title=f"{base.title} ({label})",
                period_start=base.period_start, period_end=base.period_end,
                version_label=label, aims=aims)
