"""UK financial years, the project's unit of time: 1 April to 31 March, labelled ``2023/24``.

One place for their bounds, labels and quarters, used by every stage that places a date or a
period in a financial year (document metadata, the analyst's manifest, the date component, the
plan's period, the evaluation's report periods), so they cannot drift apart. It sits below the
stages and imports nothing of the package.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date

#: The month a financial year starts in (April).
FY_START_MONTH = 4


def fy_label(start_year: int) -> str:
    """2023 → "2023/24"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def fy_bounds(start_year: int) -> tuple[date, date]:
    """The financial year starting in April of ``start_year``: (1 April, 31 March next year)."""
    return fy_span_bounds(start_year, start_year + 1)


def fy_span_bounds(start_year: int, end_year: int) -> tuple[date, date]:
    """Financial years from April ``start_year`` to March ``end_year``: a plan's "2022-26" or a
    range "2019-22" (``end_year`` is the calendar year the last one ends in)."""
    return date(start_year, FY_START_MONTH, 1), date(end_year, FY_START_MONTH - 1, 31)


def fy_of(day: date) -> int:
    """Start year of the financial year holding ``day`` (2024-02-10 → 2023)."""
    return day.year - (day.month < FY_START_MONTH)


def fy_month(start_year: int, n: int) -> date:
    """The first day of month ``n`` (1-12) of the financial year starting April ``start_year``."""
    month = (FY_START_MONTH - 1 + n - 1) % 12 + 1
    return date(start_year + (1 if month < FY_START_MONTH else 0), month, 1)


def fy_quarter_bounds(start_year: int, n: int) -> tuple[date, date]:
    """Quarter ``n`` (1-4) of the financial year starting April ``start_year``: Q3 of 2024/25 is
    1 October to 31 December 2024."""
    first, last = fy_month(start_year, 3 * n - 2), fy_month(start_year, 3 * n)
    return first, date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])


def fy_of_window(start: date, end: date) -> int:
    """Start year of the financial year holding most months of the window start..end (the
    earlier one on a tie)."""
    counts: Counter[int] = Counter()
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        counts[fy_of(date(y, m, 1))] += 1
        m += 1
        if m > 12:
            y, m = y + 1, 1
    if not counts:
        raise ValueError(f"empty reporting window {start}..{end}")
    best = max(counts.values())
    return min(fy for fy, n in counts.items() if n == best)
