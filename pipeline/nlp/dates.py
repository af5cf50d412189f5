"""Date mentions placed on the calendar: days, months, seasons, financial years, ranges.

``parse_dates(text, period_start, period_end)`` is the pure parser used by the
``planmine_dates`` component and by the tests. Each mention gets inclusive ``start``/``end``
dates and a granularity. The conventions follow the gold annotation rules:

- UK financial years ("2023/24", "2023-24", "2023/2024") run 1 April to 31 March; with
  "academic year" after them they run 1 September to 31 August.
- A month, day, season or holiday without a year takes the year of a dated mention in the same
  sentence, else the year it falls in within the report period (a financial year: April-December
  belong to its first year, January-March to its second; a plan's multi-year period: the year
  it starts). With no period it stays unresolved (``resolved=False``, no dates).
- Deictic words ("this autumn", "by the end of the year", "this year") refer to the time of
  writing, which for an annual report is the year its period ends and for a plan the year its
  period starts.
- Relative windows ("last year", "the last 12 months") are kept as mentions but unresolved.
- Ranges ("between August and October 2024", "2022/23 to 2025/26") are ONE mention.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import partial

from dateutil.easter import easter
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp.extensions import doc_text
from pipeline.nlp.numbers import (
    FRAGMENTS,
    MENTION_PREFILTERS,
    MONTH_LEAD_WORDS,
    MONTHS,
    SEASONS,
    YEAR_LEAD_WORDS,
    YEAR_NAME_WORDS,
    YEAR_PARTS,
    MentionComponent,
    parse_number,
    select_longest,
    sentence_bounds,
    taken_offsets,
)
from pipeline.nlp.patterns import gate_open, load_pattern_set
from pipeline.periods import fy_bounds, fy_month, fy_of, fy_span_bounds

KINDS = ("range", "numeric", "day", "month", "season", "year_part", "year_pair", "year",
         "century", "holiday", "relative_null", "relative_end_of_year", "relative_this_season",
         "relative_this_year", "decade", "quarter", "year_part_fy", "short_fy",
         "month_short_year", "relative_last_year", "relative_next_year",
         "relative_academic_year", "year_to")
_FRAGMENTS, PATTERNS = load_pattern_set("dates", KINDS, FRAGMENTS, flags=re.IGNORECASE)
_SINGLE = [p for p in PATTERNS if p.kind != "range"]
_PREFILTERS = MENTION_PREFILTERS.add(p.regex for p in PATTERNS)

#: Earliest plausible year for a bare four-digit number without a lead word ("1816" after "in").
MIN_BARE_YEAR = 1600
#: A two-digit-ended year pair spanning at most this many years reads as financial years
#: ("2022-26" -> Apr 2022..Mar 2026); longer spans are calendar years ("2011-36").
MAX_FY_SPAN = 5


@dataclass(frozen=True)
class DateMention:
    """One date or period found in text; ``start``/``end`` are character offsets."""

    start: int
    end: int
    text: str
    date_start: date | None
    date_end: date | None
    granularity: str
    resolved: bool = True


@dataclass(frozen=True)
class _Parsed:
    """An interpretation before year resolution.

    ``make(year)`` builds (start, end) for a mention written without a year; ``anchor_month``
    is the month used to choose that year inside a financial-year period.
    """

    date_start: date | None
    date_end: date | None
    granularity: str
    make: Callable[[int], tuple[date, date]] | None = None
    anchor_month: int = 0
    deictic: str = ""       # "", "null", "this_year", "end_of_year", "this_season"
    core: tuple[int, int] | None = None
    years_back: int = 0     # "Quarter 3 last year": the quarter of the year before
    last_month: bool = False  # "the end of Q3": only the period's last month

    @property
    def needs_year(self) -> bool:
        return self.make is not None and self.date_start is None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months(y: int, m1: int, m2: int) -> tuple[date, date]:
    """First day of m1 to last day of m2; m2 < m1 means m2 is in the next year (winter)."""
    return date(y, m1, 1), _month_end(y + 1 if m2 < m1 else y, m2)


def _year(s: str) -> int:
    y = int(s)
    return y + 2000 if y < 100 else y


def _month_no(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _is_capitalised(s: str) -> bool:
    return s[:1].isupper()


def _words_before(text: str, pos: int, n: int = 2) -> list[str]:
    words = re.findall(r"[A-Za-z'\u2019-]+|[.,;:!?()]", text[max(0, pos - 40):pos])
    return [w.lower() for w in words[-n:]]


def _interpret(text: str, kind: str, m: re.Match[str], standalone: bool = True) -> _Parsed | None:
    """Read one match. ``standalone`` is False for the ends of a range (context checks off)."""
    gd = m.groupdict()
    if kind == "numeric":
        try:
            d = date(_year(gd["y"]), int(gd["m"]), int(gd["d"]))
        except ValueError:
            return None
        return _Parsed(d, d, "day")
    if kind == "day":
        mon, day = _month_no(gd["mon"]), int(re.sub(r"\D", "", gd["d"]))
        if not _is_capitalised(gd["mon"]):
            return None
        if day > 31:
            return None
        if gd.get("y"):
            try:
                d = date(int(gd["y"]), mon, day)
            except ValueError:
                return None
            return _Parsed(d, d, "day")

        def make_day(y: int, mon: int = mon, day: int = day) -> tuple[date, date]:
            d = date(y, mon, min(day, calendar.monthrange(y, mon)[1]))
            return d, d
        return _Parsed(None, None, "day", make_day, mon)
    if kind == "month":
        name = gd["mon"]
        if not _is_capitalised(name):
            return None
        mon = _month_no(name)
        if gd.get("y"):
            return _Parsed(*_months(int(gd["y"]), mon, mon), "month")
        if standalone:
            lead = _words_before(text, m.start(), 1)
            is_abbrev = name.lower().rstrip(".") not in {k for k in MONTHS if len(k) > 4} | {
                "may", "june", "july"}
            if is_abbrev or not (gd.get("mod") or (lead and lead[0] in MONTH_LEAD_WORDS)):
                return None
        return _Parsed(None, None, "month", partial(_months, m1=mon, m2=mon), mon)
    if kind == "season":
        s1 = gd["s1"].lower()
        s2 = (gd.get("s2") or s1).lower()
        m1, m2 = SEASONS[s1][0], SEASONS[s2][1]
        mod = (gd.get("mod") or "").lower()
        if mod and s1 == s2:  # "early summer" is its first month, "late summer" its last
            first = m1
            m1 = {"early": first, "mid": first % 12 + 1, "late": m2}[mod]
            m2 = m1
        if gd.get("y"):
            y = int(gd["y"][:4])
            return _Parsed(*_months(y, m1, m2), "season")
        if standalone:
            lead = _words_before(text, m.start(), 1)
            if not lead or lead[0] not in ("the", "this", "next"):
                # a bare season ("in winter", "summer events") is usually generic, not a time
                return None
            if lead and lead[0] == "next":
                return _Parsed(None, None, "season", deictic="null")
        anchor = 12 if m1 == 12 else m1 + 1
        return _Parsed(None, None, "season", partial(_months, m1=m1, m2=m2), anchor)
    if kind == "year_part":
        m1, m2 = YEAR_PARTS[re.sub(r"\s+", " ", gd["part"].lower())]
        return _Parsed(*_months(int(gd["y"]), m1, m2), "year")
    if kind == "year_pair":
        return _year_pair(text, m)
    if kind == "year":
        y = int(gd["y"])
        if standalone and not _looks_like_year(text, m.start(), m.end(), y):
            return None
        return _Parsed(date(y, 1, 1), date(y, 12, 31), "year")
    if kind == "century":
        n = int(gd["n"])
        return _Parsed(date((n - 1) * 100 + 1, 1, 1), date(n * 100, 12, 31), "range")
    if kind == "holiday":
        h = gd["h"].lower()
        if not gd.get("y") and standalone and _in_festival_list(text, m.start(), m.end()):
            return None
        if h == "easter":
            def make_h(y: int) -> tuple[date, date]:
                e = easter(y)
                return date.fromordinal(e.toordinal() - 2), date.fromordinal(e.toordinal() + 1)
            anchor = 3
        else:
            def make_h(y: int) -> tuple[date, date]:
                return date(y, 12, 25), date(y, 12, 26)
            anchor = 12
        if gd.get("y"):
            return _Parsed(*make_h(int(gd["y"])), "day")
        return _Parsed(None, None, "day", make_h, anchor)
    if kind == "decade":
        decade = int(gd["dec"])
        return _Parsed(date(decade, 1, 1), date(decade + 9, 12, 31), "range")
    if kind == "quarter":
        return _quarter(gd)
    if kind == "year_part_fy":
        y1 = int(gd["y1"])
        if _year(gd["y2"]) % 100 != (y1 + 1) % 100:
            return None
        m1, m2 = YEAR_PARTS[re.sub(r"\s+", " ", gd["part"].lower())]
        # months of the financial year, counted from April: month 12 of 2020/21 is March 2021
        start, end = fy_month(y1, m1), fy_month(y1, m2)
        return _Parsed(start, _month_end(end.year, end.month), "month")
    if kind == "short_fy":
        y1, y2 = int(gd["y1"]), int(gd["y2"])
        if y2 != (y1 + 1) % 100:
            return None
        fy_lead = gd.get("lead", "").strip().lower()
        academic = "academic" in fy_lead or "school" in fy_lead or bool(
            re.match(r"\s+(?:academic|school)\s+year", text[m.end():m.end() + 20], re.I))
        if fy_lead in ("the",) and not academic and not re.match(
                r"\s+(?:financial|budget|year)", text[m.end():m.end() + 20], re.I):
            return None
        y = 2000 + y1
        if academic:
            return _Parsed(date(y, 9, 1), date(y + 1, 8, 31), "financial_year")
        return _Parsed(*fy_bounds(y), "financial_year")
    if kind == "year_to":
        return _year_to(gd)
    if kind == "month_short_year":
        if not _is_capitalised(gd["mon"]):
            return None
        mon = _month_no(gd["mon"])
        return _Parsed(*_months(2000 + int(gd["yy"]), mon, mon), "month")
    if kind.startswith("relative_"):
        deictic = kind.removeprefix("relative_")
        if deictic == "academic_year":
            return _Parsed(None, None, "financial_year", deictic=deictic,
                           anchor_month=_ACADEMIC_EDGE.get((gd.get("edge") or "").lower(), 0))
        if deictic in ("last_year", "next_year"):
            return _Parsed(None, None, "year", deictic=deictic)
        if deictic == "this_season":
            s = SEASONS[gd["s1"].lower()]
            return _Parsed(None, None, "season", partial(_months, m1=s[0], m2=s[1]),
                           deictic=deictic)
        gran = "month" if deictic == "end_of_year" else "year"
        return _Parsed(None, None, gran, deictic=deictic)
    return None


#: "the start of the academic year" is September, "the end of" it July (term ends).
_ACADEMIC_EDGE = {"start": 9, "beginning": 9, "end": 7}
_QUARTER_WORDS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
                  "fourth": 4, "4th": 4, "final": 4, "last": 4}
_FESTIVAL = _FRAGMENTS["FESTIVAL"].pattern
_LIST_BEFORE = re.compile(r"(?:" + _FESTIVAL + r"|festivals?(?:\s+such\s+as|\s+like)?)\s*(?:,|and|or|&|such\s+as|like)?\s*$",
                          re.I)
_LIST_AFTER = re.compile(r"^\s*(?:,|and|or|&)\s*(?:" + _FESTIVAL + r")", re.I)


def _in_festival_list(text: str, start: int, end: int) -> bool:
    """Whether a holiday is one item of a list of festivals ("Christmas, Easter and Diwali").

    A list of festivals names themes (campaigns, celebrations), not a time: no date.
    """
    return bool(_LIST_BEFORE.search(text[max(0, start - 40):start])
                or _LIST_AFTER.match(text[end:end + 40]))


#: Longest window of months read from "the N months to <month>".
MAX_WINDOW_MONTHS = 60


def _year_to(gd: dict) -> _Parsed | None:
    """"the year to March 2024" / "the 12 months to Dec 23": the months ending with the one named.

    Why: performance reports state rolling windows this way; the window, not its last month,
    is the period the figure covers.
    """
    if not _is_capitalised(gd["mon"]):
        return None
    n = 12.0 if gd.get("yr") else parse_number(gd.get("n") or "")
    if n is None or not n.is_integer() or not 1 <= n <= MAX_WINDOW_MONTHS:
        return None
    end_month = date(_year(gd["y"]), _month_no(gd["mon"]), 1)
    start = _shift_months(end_month, 1 - int(n))
    return _Parsed(start, _month_end(end_month.year, end_month.month), "range")



def _quarter(gd: dict) -> _Parsed | None:
    """A quarter: of a calendar year ("Q3 2023"), a financial year ("Q4 2023/24") or, with
    no year, of the report's financial year ("quarter 4"), placed when the period is known."""
    q = (int(gd["qnum"]) if gd.get("qnum") else int(gd["qshort"]) if gd.get("qshort")
         else _QUARTER_WORDS.get((gd.get("qword") or "").lower(), 0))
    edge = bool(gd.get("qend"))
    back = 1 if gd.get("lastyear") else 0
    if gd.get("same"):
        # "the same quarter last year": the report's own quarter, a year back
        return _Parsed(None, None, "quarter", deictic="quarter_same", years_back=back,
                       last_month=edge)
    if not q:
        return None
    if gd.get("y"):
        y = int(gd["y"])
        return _last_month(_Parsed(*_months(y, 3 * q - 2, 3 * q), "quarter"), edge)
    if gd.get("fy"):
        y1 = int(gd["fy"][:4])  # the pattern's fy group starts with four digits
        start = fy_month(y1, 3 * q - 2)
        end = fy_month(y1, 3 * q)
        return _last_month(_Parsed(start, _month_end(end.year, end.month), "quarter"), edge)
    if gd.get("this"):
        return _Parsed(None, None, "quarter", deictic="quarter_this_year", anchor_month=q,
                       last_month=edge)
    return _Parsed(None, None, "quarter", deictic="quarter_fy", anchor_month=q,
                   years_back=back, last_month=edge)


def _last_month(p: _Parsed, edge: bool) -> _Parsed:
    """"the end of" a period is its last month (FORMAT.md: "the end of 2020/21")."""
    if not edge or p.date_end is None:
        return p
    return replace(p, date_start=p.date_end.replace(day=1), granularity="month")


def _period_mention(start: int, end: int, span: str, s: date, e: date, gran: str,
                    p: _Parsed) -> DateMention:
    """A placed period, a year back when the words say so, or only its last month."""
    if p.years_back:
        s = s.replace(year=s.year - p.years_back)
        e = _month_end(e.year - p.years_back, e.month)
    if p.last_month:
        return DateMention(start, end, span, e.replace(day=1), e, "month")
    return DateMention(start, end, span, s, e, gran)


_YEAR_FOLLOWERS = YEAR_LEAD_WORDS | {
    "and", "or", "the", "we", "our", "it", "there", "a", "an", "with", "as", "when", "which",
    "that", "was", "were", "is", "are", "has", "had", "have", "onwards", "levels", "baseline",
    "figure", "figures", "budget", "plan", "strategy", "data", "this", "these", "its", "saw", "will", "would"}
_COUNT_NOUNS = {"people", "children", "staff", "men", "women"}
#: Words after a bare year that make it a noun, the subject or topic of the clause.
_YEAR_SUBJECT_WORDS = {"baseline", "figure", "figures", "saw", "sees", "was", "will", "has",
                       "had", "marked", "marks", "brought", "began", "target", "targets",
                       "ambition", "deadline", "goal"}


def _looks_like_year(text: str, start: int, end: int, y: int) -> bool:
    """A bare four-digit number is a year when a lead word or the following text says so.

    "in 2023", "by 2026", "Awards 2018." are years; "1356 people", "2000 homes" are counts.
    """
    before = _words_before(text, start, 1)
    if before and before[0] in YEAR_NAME_WORDS:
        return False
    lead = bool(before) and before[0] in YEAR_LEAD_WORDS
    if y < MIN_BARE_YEAR or y > 2099:
        return False
    after = re.match(r"\s*([A-Za-z][\w'\u2019-]*)?", text[end:end + 30])
    nxt = after.group(1) if after and after.group(1) else ""
    if nxt and nxt[0].islower() and nxt.lower() not in _YEAR_FOLLOWERS:
        # "1356 people", "2000 homes": a count. After "in"/"by"/"to" only a plural noun
        # ("in 2000 homes") outweighs the lead word ("to 2028 setting out" is a year).
        if not lead or nxt.lower().endswith("s") or nxt.lower() in _COUNT_NOUNS:
            return False
    if lead:
        return True
    # no lead word: accept when followed by punctuation, a capitalised word or nothing, or
    # when the year is the subject of a verb ("2019 saw", "2021 was", "2030 will")
    return not nxt or nxt[0].isupper() or nxt.lower() in _YEAR_SUBJECT_WORDS


def _year_pair(text: str, m: re.Match[str]) -> _Parsed | None:
    y1 = int(m.group("y1"))
    raw2 = m.group("y2")
    y2 = int(raw2) if len(raw2) == 4 else (y1 // 100) * 100 + int(raw2)
    if len(raw2) == 2 and y2 < y1:
        y2 += 100
    if y2 <= y1:
        return None
    after = text[m.end():m.end() + 25].lower()
    before = text[max(0, m.start() - 25):m.start()].lower()
    academic = bool(re.match(r"\s+(?:academic|school)\s+year", after)) or bool(
        re.search(r"(?:academic|school)\s+year\s*$", before))
    if y2 == y1 + 1:
        if academic:
            return _Parsed(date(y1, 9, 1), date(y2, 8, 31), "financial_year")
        return _Parsed(*fy_bounds(y1), "financial_year")
    if m.group("sep") == "/":
        return None
    if len(raw2) == 2 and y2 - y1 <= MAX_FY_SPAN:
        return _Parsed(*fy_span_bounds(y1, y2), "range")
    return _Parsed(date(y1, 1, 1), date(y2, 12, 31), "range")


def _parse_end(piece: str) -> _Parsed | None:
    """Parse one end of a range with the single patterns (whole piece must match)."""
    for pat in _SINGLE:
        if pat.kind.startswith("relative_"):
            continue
        m = pat.regex.fullmatch(piece)
        if m:
            parsed = _interpret(piece, pat.kind, m, standalone=False)
            if parsed is not None:
                return parsed
    return None


def _with_year(p: _Parsed, year: int) -> _Parsed:
    assert p.make is not None
    s, e = p.make(year)
    return replace(p, date_start=s, date_end=e)


def _range(text: str, m: re.Match[str]) -> _Parsed | None:
    a, b = _parse_end(m.group("a")), _parse_end(m.group("b"))
    if a is None or b is None:
        return None
    sep = (m.group("sep") or "").strip().lower()
    between = bool(m.group("between"))
    if sep == "and" and not between and not a.needs_year:
        return None  # "December 2018 and April 2019": two dates
    if not sep and not (a.granularity == b.granularity == "month"
                        and not a.needs_year and not b.needs_year):
        return None
    if a.needs_year and not b.needs_year:
        assert b.date_start is not None
        year = b.date_start.year
        a = _with_year(a, year)
        if a.date_start and a.date_start > b.date_start:
            a = _with_year(a, year - 1)
    if a.needs_year or b.needs_year:
        if not (a.needs_year and b.needs_year):
            return None
        make_a, make_b = a.make, b.make
        assert make_a is not None and make_b is not None

        def make_range(y: int) -> tuple[date, date]:
            # the year is the start's; a range that wraps ("December to January") ends a year on
            start, end = make_a(y)[0], make_b(y)[1]
            return (start, end) if end >= start else (start, make_b(y + 1)[1])

        return _Parsed(None, None, "range", make_range, a.anchor_month)
    assert a.date_start and b.date_end
    if b.date_end < a.date_start:
        return None
    if (a.granularity == b.granularity == "year" and sep in ("-", "–", "—")
            and b.date_end.year == a.date_start.year + 1):
        # "1993 – 1994": consecutive years joined by a dash are a financial year, as "1993/94"
        return _Parsed(*fy_span_bounds(a.date_start.year, b.date_end.year),
                       "financial_year", core=(m.start("a"), m.end("b")))
    core = (m.start("a"), m.end("b")) if not between else None
    return _Parsed(a.date_start, b.date_end, "range", core=core)


#: A period longer than this many days is a plan's (several years), not a report's.
MULTI_YEAR_DAYS = 400


def _multi_year(period_start: date | None, period_end: date | None) -> bool:
    return bool(period_start and period_end
                and (period_end - period_start).days > MULTI_YEAR_DAYS)


def _fy_year_for(month: int, period_start: date, period_end: date) -> int:
    """The year a month without a year falls in, within the report period.

    A plan's period spans several years and the plan is written as it starts, so its
    yearless months ("went live on 10 February", in council papers of May 2022) are read in
    the year the period starts.
    """
    if _quarter_period(period_start, period_end) is not None:
        # a quarterly report sits in a financial year: its yearless months are of that year
        # ("from January onwards" in an October-December report is the January after)
        fy = period_start.year - (period_start.month < 4)
        return fy if month >= 4 else fy + 1
    if period_start.year == period_end.year or _multi_year(period_start, period_end):
        return period_start.year
    return period_start.year if month >= period_start.month else period_end.year


def _quarter_period(period_start: date | None, period_end: date | None) -> tuple[date, date] | None:
    """The period when it is one calendar quarter (a quarterly report's), else None."""
    if period_start is None or period_end is None or period_start.day != 1:
        return None
    if period_start.month % 3 != 1 or _ym_add(period_start, 2) != (period_end.year, period_end.month):
        return None
    return period_start, period_end


def _ym_add(d: date, months: int) -> tuple[int, int]:
    """(year, month) ``months`` after ``d``'s month."""
    n = d.year * 12 + d.month - 1 + months
    return n // 12, n % 12 + 1


def _shift_months(d: date, months: int) -> date:
    y, m = _ym_add(d, months)
    return date(y, m, 1)


def _writing_year(period_start: date | None, period_end: date | None) -> int | None:
    """When the text was written: a report at its period's end, a plan at its start."""
    if _multi_year(period_start, period_end):
        return period_start.year if period_start else None
    return period_end.year if period_end else None


def parse_dates(text: str, period_start: date | None = None, period_end: date | None = None,
                taken: list[tuple[int, int]] | None = None) -> list[DateMention]:
    """Every date mention in ``text``, in order, non-overlapping and clear of ``taken``."""
    candidates = []
    n = len(PATTERNS)
    # a pattern whose needed words/digits are absent is not run
    for i in _PREFILTERS.passing(text):
        pat = PATTERNS[i]
        if not gate_open(pat, text):
            continue
        for m in pat.regex.finditer(text):
            candidates.append((m.start(), m.end(), n - i, (pat.kind, m)))

    def accept(payload: tuple[str, re.Match[str]]) -> tuple[_Parsed, re.Match[str]] | None:
        kind, m = payload
        parsed = _range(text, m) if kind == "range" else _interpret(text, kind, m)
        return None if parsed is None else (parsed, m)

    chosen = select_longest(candidates, accept, taken or ())
    # the sentences only place a mention written without a year: found when there is one
    sentences = (sentence_bounds(text) if any(r[0].needs_year for _, _, r in chosen)
                 else [])
    out: list[DateMention] = []
    for start, end, result in chosen:
        parsed, m = result
        if parsed.core:
            start, end = parsed.core
        elif m.groupdict().get("core"):
            start, end = m.span("core")
        out.append(_resolve(text, start, end, parsed, chosen, sentences, period_start,
                            period_end))
    return out


def _resolve(text: str, start: int, end: int, p: _Parsed, chosen: list, sentences: list,
             period_start: date | None, period_end: date | None) -> DateMention:
    span = text[start:end]
    if p.deictic:
        wy = _writing_year(period_start, period_end)
        quarter = _quarter_period(period_start, period_end)
        if p.deictic == "null" and quarter is not None and "quarter" in span.lower():
            # a quarterly report's "this quarter" / "the quarter" is its own quarter, and
            # "last" / "previous quarter" the one before
            back = 3 if any(w in span.lower().split() for w in ("last", "previous", "past")) else 0
            s = _shift_months(quarter[0], -back)
            edge = replace(p, last_month=span.lower().split()[:3] in (["the", "end", "of"],)
                           or span.lower().startswith("end of"))
            return _period_mention(start, end, span, s, _month_end(*_ym_add(s, 2)), "quarter",
                                   edge)
        if p.deictic == "quarter_same" and quarter is not None:
            return _period_mention(start, end, span, quarter[0], quarter[1], "quarter", p)
        if p.deictic == "null" or wy is None:
            return DateMention(start, end, span, None, None, p.granularity, False)
        if p.deictic == "end_of_year":
            return DateMention(start, end, span, date(wy, 12, 1), date(wy, 12, 31), "month")
        if p.deictic == "this_season" and p.make:
            s, e = p.make(wy)
            return DateMention(start, end, span, s, e, "season")
        if p.deictic == "last_year":
            return DateMention(start, end, span, date(wy - 1, 1, 1), date(wy - 1, 12, 31), "year")
        if p.deictic == "next_year":
            return DateMention(start, end, span, date(wy + 1, 1, 1), date(wy + 1, 12, 31), "year")
        if p.deictic == "quarter_this_year":
            q = p.anchor_month
            s, e = _months(wy, 3 * q - 2, 3 * q)
            return _period_mention(start, end, span, s, e, "quarter", p)
        if p.deictic == "quarter_fy":
            # the financial year of the period: a financial-year report, or a quarterly one
            fy = (period_start.year if period_start is not None and period_start.month == 4
                  and not _multi_year(period_start, period_end)
                  else fy_of(quarter[0]) if quarter is not None else None)
            if fy is None:
                return DateMention(start, end, span, None, None, p.granularity, False)
            q = p.anchor_month
            s, e = fy_month(fy, 3 * q - 2), fy_month(fy, 3 * q)
            return _period_mention(start, end, span, s, _month_end(e.year, e.month), "quarter",
                                   p)
        if p.deictic == "academic_year":
            assert period_start is not None
            # the school year that starts inside the period (a plan: the one it starts in)
            ay = period_start.year if period_start.month <= 9 else period_start.year + 1
            word = span.lower()
            ay += 1 if "next" in word.split() else -1 if "last" in word.split() else 0
            if p.anchor_month:
                y = ay if p.anchor_month >= 9 else ay + 1
                return DateMention(start, end, span, date(y, p.anchor_month, 1),
                                   _month_end(y, p.anchor_month), "month")
            return DateMention(start, end, span, date(ay, 9, 1), date(ay + 1, 8, 31),
                               "financial_year")
        if p.deictic == "this_year":
            assert period_start is not None
            if period_start.month == 1:
                return DateMention(start, end, span, date(wy, 1, 1), date(wy, 12, 31), "year")
            return DateMention(start, end, span, date(wy, period_start.month, 1),
                               _month_end(wy + 1, (period_start.month - 2) % 12 + 1),
                               "financial_year")
        return DateMention(start, end, span, None, None, p.granularity, False)
    if not p.needs_year:
        if (_multi_year(period_start, period_end) and p.granularity == "range"
                and p.date_start and p.date_end and period_start and period_end
                and (p.date_start.year, p.date_end.year) == (period_start.year, period_end.year)
                and p.date_start.month == 1 and p.date_end.month == 12):
            # "2022-2026" in a plan for April 2022 to March 2026 names the plan's own period
            return DateMention(start, end, span, period_start, period_end, p.granularity)
        return DateMention(start, end, span, p.date_start, p.date_end, p.granularity)
    year = _year_from_sentence(start, chosen, sentences)
    if year is None and period_start and period_end:
        year = _fy_year_for(p.anchor_month or 1, period_start, period_end)
    if year is None:
        return DateMention(start, end, span, None, None, p.granularity, False)
    assert p.make is not None
    s, e = p.make(year)
    return DateMention(start, end, span, s, e, p.granularity)


def _year_from_sentence(pos: int, chosen: list, sentences: list) -> int | None:
    """The year of the nearest dated day/month/season mention in the same sentence."""
    bounds = next(((s, e) for s, e in sentences if s <= pos <= e), None)
    if bounds is None:
        return None
    best: tuple[int, int] | None = None
    for start, _end, result in chosen:
        parsed, _m = result
        if not bounds[0] <= start <= bounds[1] or parsed.needs_year or parsed.deictic:
            continue
        if parsed.date_start is None or parsed.granularity not in (
                "day", "month", "season", "range"):
            continue
        if parsed.date_end and (parsed.date_end - parsed.date_start).days > 400:
            continue  # a span of years says nothing about one month's year
        dist = abs(start - pos)
        if best is None or dist < best[0]:
            best = (dist, parsed.date_start.year)
    return best[1] if best else None


@Language.factory("planmine_dates", assigns=["doc.spans"], default_config={"span_key": "dates"})
def make_dates(nlp: Language, name: str, span_key: str) -> DatesComponent:
    """spaCy factory: ``nlp.add_pipe("planmine_dates")`` (after planmine_money)."""
    return DatesComponent(span_key)


class DatesComponent(MentionComponent):
    """Writes ``doc.spans[span_key]`` with date_start, date_end, granularity, resolved.

    Reads the report period from ``doc._.period_start``/``period_end`` to place dates that
    have no year, or the stated reporting window (``doc._.window_start``/``window_end``) when
    the document gives one.
    """

    def __init__(self, span_key: str = "dates") -> None:
        super().__init__(span_key)

    def mentions(self, doc: Doc) -> list[DateMention]:
        taken = taken_offsets(doc, [k for k in ("money", "figures") if k != self.span_key])
        x = doc._  # one accessor object: spaCy builds a new one on every ``doc._``
        start, end = x.period_start, x.period_end
        window_start, window_end = x.window_start, x.window_end
        if window_start and window_end:
            start, end = window_start, window_end  # the window the text states
        return parse_dates(doc_text(doc), start, end, taken)

    attrs = ("date_start", "date_end", "granularity", "resolved")
