"""A plan refreshed by a later report: the aims it restates, mapped to the base plan.

A later report can restate the aims after a refresh (the 2024 report has "Our aims by 2026"
under each of its renumbered sections): :func:`refreshed_plan` maps those sections to the
base plan's sub-outcomes by title (rapidfuzz), never by number, and returns a second version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rapidfuzz import fuzz

from pipeline.ingest.plan_layout import PlanRules, _heading_match, marker_kind, rules
from pipeline.model import Document
from pipeline.plan.model import Aim, Plan, clean_element


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
