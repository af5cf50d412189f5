"""The one financial-year helper: labels, bounds, quarters and the year a date falls in."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.periods import (
    fy_bounds,
    fy_label,
    fy_month,
    fy_of,
    fy_quarter_bounds,
    fy_span_bounds,
)


def test_label_and_bounds() -> None:
    assert fy_label(2023) == "2023/24"
    assert fy_label(1999) == "1999/00"
    assert fy_bounds(2023) == (date(2023, 4, 1), date(2024, 3, 31))


def test_span_of_financial_years() -> None:
    assert fy_span_bounds(2022, 2026) == (date(2022, 4, 1), date(2026, 3, 31))


@pytest.mark.parametrize(("day", "fy"), [
    (date(2024, 3, 31), 2023), (date(2024, 4, 1), 2024), (date(2024, 12, 31), 2024),
    (date(2025, 1, 1), 2024),
])
def test_year_a_day_falls_in(day: date, fy: int) -> None:
    assert fy_of(day) == fy
    start, end = fy_bounds(fy)
    assert start <= day <= end


def test_months_and_quarters() -> None:
    assert fy_month(2024, 1) == date(2024, 4, 1)
    assert fy_month(2024, 10) == date(2025, 1, 1)
    assert fy_quarter_bounds(2024, 1) == (date(2024, 4, 1), date(2024, 6, 30))
    assert fy_quarter_bounds(2024, 3) == (date(2024, 10, 1), date(2024, 12, 31))
    assert fy_quarter_bounds(2023, 4) == (date(2024, 1, 1), date(2024, 3, 31))
    # the four quarters tile the year
    quarters = [fy_quarter_bounds(2023, n) for n in range(1, 5)]
    assert quarters[0][0] == fy_bounds(2023)[0] and quarters[-1][1] == fy_bounds(2023)[1]
    assert all((b[0] - a[1]).days == 1 for a, b in zip(quarters, quarters[1:], strict=False))
