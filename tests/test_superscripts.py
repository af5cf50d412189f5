"""Footnote markers printed as small raised digits are dropped at reading, in both engines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.ingest import pdf as plumber
from pipeline.ingest import pdfium
from pipeline.ingest.layout import load_rules
from pipeline.ingest.pdf import _clean_words, _drop_superscripts

KENT = Path(__file__).parent / "data" / "kent"


def _w(text: str, x0: float, size: float = 10.0, bottom: float = 110.0) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + 5 * len(text), "top": bottom - size,
            "bottom": bottom, "size": size, "fontname": "Arial"}


def test_a_small_raised_digit_after_a_word_is_a_footnote_marker() -> None:
    words = [_w("in", 10), _w("2024/25", 22), _w("1", 57.2, size=6, bottom=105),
             _w("we", 66), _w("met", 80)]
    assert [w["text"] for w in _drop_superscripts(words)] == ["in", "2024/25", "we", "met"]


@pytest.mark.parametrize("marker", [
    _w("1", 57.2, size=10, bottom=110),   # same size, on the baseline: a real number
    _w("1", 57.2, size=6, bottom=110),    # small but not raised (a subscript or small caps)
    _w("1", 90.0, size=6, bottom=105),    # raised but far from any word
    _w("12a", 57.2, size=6, bottom=105),  # not a marker's shape
])
def test_numbers_that_are_not_markers_stay(marker: dict) -> None:
    words = [_w("in", 10), _w("2024/25", 22), marker]
    assert len(_drop_superscripts(words)) == 3


def test_unicode_superscript_digits_are_stripped() -> None:
    (w,) = _clean_words([_w("mission\u00b9\u2070", 10)], load_rules())
    assert w["text"] == "mission"


@pytest.mark.parametrize("engine", [plumber, pdfium])
def test_kent_report_marker_after_a_count_is_dropped(engine) -> None:  # noqa: ANN001
    """The Kent performance report prints "17 of the 38" with a raised footnote "1" after 38."""
    result = engine.read_pdf_detailed(KENT / "qpr-q3-2024-25-appendix1.pdf")
    text = " ".join(" ".join(b.text for b in result.blocks).split())
    assert re.search(r"17 of the 38 indicators", text)
    assert not re.search(r"38 ?1 indicators", text)
