"""Document metadata from its own text: title, organisation, type and reporting period.

Periods follow the project convention: UK financial years labelled ``2023/24`` (1 April to
31 March). A report's period is the financial year its reporting window mostly covers
("September 2023 to September 2024" → 2023/24, seven of its thirteen months). Without a window,
a stated "Progress in 2024/25" decides, and failing that the year in the report's title
("Annual Delivery Report 2019" → 2018/19: an annual report looks back over the twelve months
before it is published). A strategic plan's period is the span it names ("Strategic Plan
2022 - 2026" → label "2022-26", 2022-04-01 to 2026-03-31: plan years are financial years too).
All the phrases are regexes in ``models/patterns/layout.yaml``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date

from pipeline.ingest import layout
from pipeline.model import Document

#: How much of the text to search for a title or a period statement.
HEAD_CHARS = 20000

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}


def fy_label(start_year: int) -> str:
    """2023 → "2023/24"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def fy_bounds(start_year: int) -> tuple[date, date]:
    """The financial year starting in April of ``start_year``: (1 April, 31 March next year)."""
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def fy_of_window(start: date, end: date) -> int:
    """Start year of the financial year holding most months of the window start..end."""
    counts: Counter[int] = Counter()
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        counts[y if m >= 4 else y - 1] += 1
        m += 1
        if m > 12:
            y, m = y + 1, 1
    if not counts:
        raise ValueError(f"empty reporting window {start}..{end}")
    best = max(counts.values())
    return min(fy for fy, n in counts.items() if n == best)


def _month(name: str) -> int | None:
    return _MONTHS.get(name.lower())


def _full_year(y1: int, y2: str) -> int:
    y = int(y2)
    return y if len(y2) == 4 else (y1 // 100) * 100 + y


def parse_period(text: str, kinds: Sequence[str]) -> tuple[str, date, date] | None:
    """(label, start, end) from the first period rule of ``kinds`` that matches ``text``."""
    r = layout.rules()
    by_kind = {p["kind"]: re.compile(p["regex"]) for p in r.get("periods")}
    for kind in kinds:
        rx = by_kind.get(kind)
        if rx is None:
            raise ValueError(f"layout.yaml: no period rule of kind {kind!r}")
        matches = list(rx.finditer(text))
        if not matches:
            continue
        if kind == "window":
            for m in matches:
                m1, m2 = _month(m.group("m1")), _month(m.group("m2"))
                if m1 and m2:
                    fy = fy_of_window(date(int(m.group("y1")), m1, 1), date(int(m.group("y2")), m2, 1))
                    return (fy_label(fy), *fy_bounds(fy))
            continue
        if kind in ("fy", "fy_mentions"):
            years = Counter(int(m.group("y1")) for m in matches
                            if _full_year(int(m.group("y1")), m.group("y2")) == int(m.group("y1")) + 1)
            if not years:
                continue
            fy = years.most_common(1)[0][0]
            return (fy_label(fy), *fy_bounds(fy))
        if kind == "plan":
            m = matches[0]
            y1 = int(m.group("y1"))
            y2 = _full_year(y1, m.group("y2"))
            if y2 <= y1:
                continue
            return f"{y1}-{y2 % 100:02d}", date(y1, 4, 1), date(y2, 3, 31)
        if kind == "report_year":
            year = Counter(int(m.group("y1")) for m in matches).most_common(1)[0][0]
            return (fy_label(year - 1), *fy_bounds(year - 1))
        raise ValueError(f"layout.yaml: unknown period kind {kind!r}")
    return None


def classify(text: str) -> str:
    """annual_report | strategic_plan | other, by the content rules in layout.yaml."""
    for rule in layout.rules().get("doc_types"):
        if any(re.search(rx, text) for rx in rule.get("none", [])):
            continue
        if "all" in rule and not all(re.search(rx, text) for rx in rule["all"]):
            continue
        if "any" in rule and not any(re.search(rx, text) for rx in rule["any"]):
            continue
        return str(rule["type"])
    return "other"


def organisation_of(text: str) -> str:
    """The most frequently named council or authority in the text ('' if none)."""
    r = layout.rules()
    counts = Counter(layout.squash_spaces(m.group("org"))
                     for m in re.finditer(r.get("organisation"), text))
    areas = Counter(m.group("area") for m in re.finditer(r.get("area_mention"), text))
    generic = Counter(m.group("type") for m in re.finditer(r.get("generic_council"), text))

    def mentions(place: str) -> int:
        return len(re.findall(rf"\b{re.escape(place)}\b", text))

    best = max(sorted(counts), key=lambda n: (mentions(n.split()[0]), counts[n]), default="")
    if generic and areas:
        area = areas.most_common(1)[0][0]
        kind = generic.most_common(1)[0][0]
        if not best or mentions(area) > 2 * mentions(best.split()[0]):
            return f"{area} {kind} Council"
    return best


def title_of(text: str) -> str:
    """The document's own name for itself, e.g. "Annual Delivery Report 2024"."""
    for pattern in layout.rules().get("titles"):
        m = re.search(pattern, text)
        if m:
            words = layout.squash_spaces(m.group("t"))
            title = " ".join(w if w.isupper() and len(w) > 1 else w.capitalize() for w in words.split())
            year = m.group("y")
            return f"{title} {layout.squash_spaces(year)}" if year else title
    return ""


def describe(doc: Document, extra_text: Sequence[str] = ()) -> None:
    """Fill title, organisation, doc_type and the reporting period from the blocks' text.

    ``extra_text`` carries lines that are not body text but describe the document (the PDF
    reader's running headers, e.g. "<Council> | Annual Delivery Report 2024").
    """
    body = "\n".join(b.text for b in doc.blocks)
    extra = "\n".join(extra_text)
    full = extra + "\n" + body
    head = extra + "\n" + body[:HEAD_CHARS]
    doc.doc_type = classify(full)
    doc.organisation = organisation_of(full)
    doc.title = title_of(head) or next((b.text for b in doc.blocks if b.kind == "heading"), "")
    kinds = layout.rules().get("period_kinds_by_type")[doc.doc_type]
    found = parse_period(full, kinds)
    if found:
        doc.period_label, doc.period_start, doc.period_end = found
