"""Document metadata from its own text: title, organisation, type and reporting period.

Periods follow the project convention: UK financial years labelled ``2023/24`` (1 April to
31 March). A report's period is the financial year its reporting window mostly covers
("September 2023 to September 2024" → 2023/24, seven of its thirteen months). Without a window,
a stated "Progress in 2024/25" decides, and failing that the year in the report's title
("Annual Delivery Report 2019" → 2018/19: an annual report looks back over the twelve months
before it is published). A strategic plan's period is the span it names ("Strategic Plan
2022 - 2026" → label "2022-26", 2022-04-01 to 2026-03-31: plan years are financial years too).
All the phrases are regexes in ``models/patterns/layout.yaml``.

Where a report states no reporting window, one is inferred (:func:`inferred_window`): an
annual report named for a year ("Annual Delivery Report 2019") is published during that year
and looks back over the twelve months before, which its dated events show. A report
published in the autumn of 2019 covers roughly October 2018 to September 2019, not the
financial year April 2018 to March 2019. The period label stays the financial year.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date

from pipeline.ingest import layout, plan_layout
from pipeline.model import Document
from pipeline.periods import fy_bounds, fy_label, fy_of_window, fy_quarter_bounds, fy_span_bounds

#: How much of the text to search for a title or a period statement.
HEAD_CHARS = 20000

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}


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
            return (f"{y1}-{y2 % 100:02d}", *fy_span_bounds(y1, y2))
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

    found: dict[str, int] = {}

    def mentions(place: str) -> int:
        """Whole-word occurrences of ``place``, counted once per place (the ranking below asks
        for the same first word of many names; each count scans the whole text)."""
        if place not in found:
            found[place] = whole_word_count(place, text)
        return found[place]

    best = max(sorted(counts), key=lambda n: (mentions(n.split()[0]), counts[n]), default="")
    if generic and areas:
        area = areas.most_common(1)[0][0]
        kind = generic.most_common(1)[0][0]
        if not best or mentions(area) > 2 * mentions(best.split()[0]):
            return f"{area} {kind} Council"
    return best


def _is_word_char(ch: str) -> bool:
    """A character ``\\w`` matches in a str pattern: alphanumeric (``str.isalnum``) or "_"."""
    return ch.isalnum() or ch == "_"


def _at_boundary(text: str, k: int) -> bool:
    """Whether ``\\b`` matches at offset ``k``: a word character on exactly one side."""
    before = k > 0 and _is_word_char(text[k - 1])
    after = k < len(text) and _is_word_char(text[k])
    return before != after


def whole_word_count(word: str, text: str) -> int:
    """How often ``word`` occurs in ``text`` as a whole word: the count of
    ``re.findall(rf"\\b{re.escape(word)}\\b", text)``, found with ``str.find``.

    Why: a pattern opening with ``\\b`` gives the regex engine no literal to skip ahead by, so
    it tried a match at every offset of the whole document, once per name counted; ``str.find``
    jumps from one occurrence of the word to the next, and ``\\b`` is tested there as ``re``
    tests it.
    """
    if not word:
        return len(re.findall(r"\b\b", text))
    count = 0
    i = text.find(word)
    while i >= 0:
        end = i + len(word)
        if _at_boundary(text, i) and _at_boundary(text, end):
            count += 1
            i = text.find(word, end)
        else:
            i = text.find(word, i + 1)
    return count


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


def opening_text(doc: Document, extra_text: Sequence[str] = ()) -> str:
    """The document's name for itself: a committee paper's "Subject:" line, else its opening
    short blocks (titles, not sentences) and running headers, cut to ``title_chars``."""
    r = layout.rules()
    first = [b.text for b in doc.blocks[: int(r.get("title_blocks")) * 3] if b.kind != "table"]
    opening = "\n".join(first)
    m = re.search(r.get("subject_line"), opening)
    if m and is_committee_paper(opening):
        return layout.squash_spaces(m.group("subject"))
    short = [text for text in first if len(text.split()) <= int(r.get("title_max_words"))]
    head = "\n".join([*extra_text, *short[: int(r.get("title_blocks"))]])
    return head[: int(r.get("title_chars"))]


def is_committee_paper(opening: str) -> bool:
    """A council committee paper opens with "From:", "To:", "Subject:", "Decision No:" lines."""
    return len(re.findall(layout.rules().get("committee_paper"), opening)) >= 2


def title_doc_type(title: str) -> str | None:
    """annual_report/strategic_plan when the title names a report or a plan, else None."""
    for rule in layout.rules().get("title_doc_types"):
        if re.search(rule["regex"], title):
            return str(rule["type"])
    return None


def title_period(title: str) -> tuple[str, date, date] | None:
    """(label, start, end) from an explicit financial year in a title, narrowed to a quarter
    when the title names one: "Annual Report 2023/24" → 2023/24; "Quarterly Performance
    Report Quarter 3 2024/25" → "2024/25 Q3", 2024-10-01 to 2024-12-31."""
    r = layout.rules()
    fy = None
    for m in re.finditer(r.get("title_fy"), title):
        y1 = int(m.group("y1"))
        if _full_year(y1, m.group("y2")) == y1 + 1:
            fy = y1
            break
    if fy is None:
        return None
    q = re.search(r.get("title_quarter"), title)
    if q:
        n = int(q.group("q1") or q.group("q2"))
        return (f"{fy_label(fy)} Q{n}", *fy_quarter_bounds(fy, n))
    return (fy_label(fy), *fy_bounds(fy))


def _last_day(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - date.resolution).day


def reporting_window(text: str) -> tuple[date, date] | None:
    """The window a document says it covers ("covers the period from September 2023 to
    August 2024" → 2023-09-01..2024-08-31; "key achievements during 2024" → the calendar
    year), or None when it states none."""
    r = layout.rules()
    rx = next(p["regex"] for p in r.get("periods") if p["kind"] == "window")
    for m in re.finditer(rx, text):
        m1, m2 = _month(m.group("m1")), _month(m.group("m2"))
        if m1 and m2:
            y1, y2 = int(m.group("y1")), int(m.group("y2"))
            start, end = date(y1, m1, 1), date(y2, m2, _last_day(y2, m2))
            if start < end:
                return start, end
    m = re.search(r.get("calendar_window"), text)
    if m:
        y = int(m.group("y"))
        return date(y, 1, 1), date(y, 12, 31)
    return None


#: The window ends at the month by which this share of the dated events has happened: later
#: months hold only the few forward references a report makes to what comes next.
EVENT_QUANTILE = 0.9
#: Events counted: the title year and the years just before it (a report looks back).
EVENT_YEARS_BACK = 2
#: Fewer dated events than this and the month of publication cannot be read from them.
MIN_EVENTS = 12


def _month_index(name: str) -> int:
    return _MONTHS[next(m for m in _MONTHS if m.startswith(name.lower()[:3]))]


def report_year(text: str) -> int | None:
    """The year a report is named for ("Annual Delivery Report 2019" → 2019), or None."""
    r = layout.rules()
    rx = next(p["regex"] for p in r.get("periods") if p["kind"] == "report_year")
    years = Counter(int(m.group("y1")) for m in re.finditer(rx, text))
    return years.most_common(1)[0][0] if years else None


def inferred_window(text: str, year: int) -> tuple[date, date] | None:
    """The twelve months a report named for ``year`` covers, read from its dated events.

    Why events and not the financial year: an annual report is written after the year it
    reports and dates what it did by month ("in June 2019 we opened ..."); the month by which
    nine in ten of its dated events (in the title year and the two before) have happened is
    about when it was written. The window is the twelve months ending with that month.
    Returns None with fewer than :data:`MIN_EVENTS` dated events.
    """
    events = sorted((int(m.group("y")), _month_index(m.group("m")))
                    for m in re.finditer(layout.rules().get("dated_event"), text)
                    if year - EVENT_YEARS_BACK <= int(m.group("y")) <= year)
    if len(events) < MIN_EVENTS:
        return None
    end_y, end_m = events[min(len(events) - 1, int(EVENT_QUANTILE * len(events)))]
    start_y, start_m = (end_y, end_m + 1 - 12) if end_m < 12 else (end_y, 1)
    if start_m < 1:
        start_y, start_m = start_y - 1, start_m + 12
    return date(start_y, start_m, 1), date(end_y, end_m, _last_day(end_y, end_m))


def describe(doc: Document, extra_text: Sequence[str] = ()) -> None:
    """Fill title, organisation, doc_type, period and reporting window from the blocks' text.

    ``extra_text`` carries lines that are not body text but describe the document (the PDF
    reader's running headers, e.g. "<Council> | Annual Delivery Report 2024").

    The type comes from the title first (a report or a plan named there), then from the
    content rules, then from the layout (a document set out as a plan is one). The period
    comes from an explicit financial year in the title first, then the rules of its type.
    """
    body = "\n".join(b.text for b in doc.blocks)
    extra = "\n".join(extra_text)
    full = extra + "\n" + body
    head = extra + "\n" + body[:HEAD_CHARS]
    opening = "\n".join(b.text for b in doc.blocks[:18] if b.kind != "table")
    title = opening_text(doc, extra_text)
    committee = is_committee_paper(opening)
    by_title = title_doc_type(title)
    if by_title == "annual_report" and committee and re.search(
            layout.rules().get("cover_paper"), body[:HEAD_CHARS]):
        by_title = "other"  # a cover report: the report itself is its appendix
    if by_title == "strategic_plan" and committee and not plan_layout.looks_like_plan(doc):
        by_title = None  # a decision paper about a plan is not the plan
    doc.doc_type = by_title or classify(full)
    if doc.doc_type == "other" and not committee and plan_layout.looks_like_plan(doc):
        doc.doc_type = "strategic_plan"
    doc.organisation = organisation_of(full)
    named = next((layout.squash_spaces(line) for line in title.split("\n")
                  if title_doc_type(line)), "")
    doc.title = (title_of(head) or (layout.squash_spaces(title) if committee else named)
                 or next((b.text for b in doc.blocks if b.kind == "heading"), ""))
    window = reporting_window(head)
    if window and doc.doc_type != "strategic_plan":
        doc.reporting_start, doc.reporting_end = window
    found = title_period(title) if doc.doc_type != "strategic_plan" else None
    if found is None:
        kinds = layout.rules().get("period_kinds_by_type")[doc.doc_type]
        found = parse_period(full, kinds)
    if found is None and window:
        fy = fy_of_window(*window)
        found = (fy_label(fy), *fy_bounds(fy))
    if found:
        doc.period_label, doc.period_start, doc.period_end = found
    if window is None and doc.doc_type != "strategic_plan":
        # no stated window: infer one for a report named for a year (an annual report, or
        # another paper saying it looks back over the last year), unless a financial year is
        # stated in its title or headings (then that year is the window the dates resolve in)
        stated_fy = (title_period(title) is not None
                     or parse_period(full, ["fy"]) is not None)
        year = report_year(head)
        looks_back = doc.doc_type == "annual_report" or bool(re.search(layout.rules().get("lookback"), head))
        if year is not None and looks_back and not stated_fy:
            inferred = inferred_window(body, year)
            if inferred:
                doc.reporting_start, doc.reporting_end = inferred
