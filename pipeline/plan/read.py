"""Reading a strategic plan from a document: outcomes, sub-outcomes and their aims, actions and measures.

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

Plan files (:func:`pipeline.plan.files.read_plan_file`) let a user supply a plan without a document:

* CSV: one row per element with columns ``outcome_id, outcome, sub_outcome_id, sub_outcome,
  kind, text``; optional ``plan_id``, ``aim_id``, ``title``, ``period_start``, ``period_end``
  (plan-level columns are read from the first row).
* YAML: a mapping with optional ``plan_id``, ``title``, ``period_start``, ``period_end``,
  ``version_label`` and a list ``aims`` of mappings with the CSV columns.

Without ``plan_id`` the plan id is the first 12 hex digits of the file's SHA-256, like a
document id; missing ``aim_id`` values are generated in file order.

A later report can restate the aims after a refresh (the 2024 report has "Our aims by 2026"
under each of its renumbered sections): :func:`pipeline.plan.refresh.refreshed_plan` maps those sections to the
base plan's sub-outcomes by title (rapidfuzz), never by number, and returns a second version.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from pipeline.ingest.plan_layout import (
    KINDS,
    PlanRules,
    _column_role,
    _heading_match,
    _table_roles,
    generic_marker,
    marker_kind,
    rules,
    split_trailing_marker,
)
from pipeline.model import Block, Document
from pipeline.periods import fy_span_bounds
from pipeline.plan.model import KIND_LETTER, Aim, Plan, PlanNotFound, clean_element


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
            return (label, *fy_span_bounds(start, end))
    return doc.title or doc.stem, doc.period_start, doc.period_end


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

