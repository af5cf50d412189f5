"""A long unbroken text costs time in proportion to its length: counted in interpreter events
(function calls and generator steps under ``sys.setprofile``), not in seconds, so load on the
machine cannot change the result. A quadratic step (every mention checked against every other,
every sentence scanning every span) makes four times the text cost about sixteen times the
events; linear work about four times."""

from __future__ import annotations

import random
import sys

from pipeline.nlp.pipeline import build_nlp, make_doc

WORDS = ("the council delivered 12 new homes and 3 roads for residents in the county with "
         "funding of £3m in 2024 and 45% of them").split()


def _text(n_chars: int) -> str:
    rng = random.Random(7)
    parts: list[str] = []
    size = 0
    while size < n_chars:
        sentence = " ".join(rng.choice(WORDS) for _ in range(18)) + ". "
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts)[:n_chars].replace("\n", " ")


def _events(nlp, text: str) -> int:  # noqa: ANN001
    count = 0

    def tick(frame, event, arg) -> None:  # noqa: ANN001, ARG001
        nonlocal count
        count += 1

    doc = make_doc(nlp, text)
    sys.setprofile(tick)
    try:
        nlp(doc)
    finally:
        sys.setprofile(None)
    return count


def test_a_long_single_line_is_linear() -> None:
    nlp = build_nlp()
    nlp(make_doc(nlp, _text(2_000)))  # warm caches (compiled patterns) outside the count
    small, large = _events(nlp, _text(15_000)), _events(nlp, _text(60_000))
    assert large / small < 6, (small, large, large / small)
