"""Finding the predicted claim(s) a gold sentence landed on.

Gold is a sample of sentences; predictions are whole documents. Each gold sentence is looked
for among the claims of its own document by normalised text (:func:`normalise`: Unicode NFKC,
lower case, quote marks dropped, dashes unified, leading bullet glyphs stripped, whitespace
collapsed):

1. exact match of the normalised text;
2. else the best ``rapidfuzz`` ratio against one claim, if >= ``FUZZY_MIN`` (90);
3. else a claim that *contains* the gold sentence (the splitter merged two sentences): best
   ``partial_ratio`` >= 90 with the claim at most ``MAX_CONTAIN_RATIO`` times longer; only
   that claim's mentions whose text lies in the matched window are compared;
4. else 2 or 3 consecutive claims joined (the splitter cut the sentence): ratio >= 90.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

FUZZY_MIN = 90.0
MAX_CONTAIN_RATIO = 4.0
MAX_JOIN = 3

_QUOTES = re.compile(r"[\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2032\u2033]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_BULLETS = re.compile(r"^[\s\-\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2043\uf0b7*>]+")


def normalise(text: str) -> str:
    """Text for alignment: NFKC, lower case, no quotes, one dash, no bullets, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u00ad", "")
    text = _DASHES.sub("-", text)
    text = _QUOTES.sub("", text)
    text = _BULLETS.sub("", text)
    return " ".join(text.lower().split())


@dataclass
class Alignment:
    """Which claim(s) a gold sentence landed on, how, and the window inside a longer claim."""

    claim_ids: list[str]
    method: str  # exact, fuzzy, contained, joined
    score: float
    window: str | None = None  # normalised part of the claim the gold sentence matched


def align(gold_text: str, claims: list[tuple[str, str]]) -> Alignment | None:
    """Align one gold sentence to ``claims`` (claim_id, normalised text) in document order."""
    g = normalise(gold_text)
    if not g:
        return None
    for cid, text in claims:
        if text == g:
            return Alignment([cid], "exact", 100.0)
    best: tuple[float, int] = (0.0, -1)
    for i, (_, text) in enumerate(claims):
        score = fuzz.ratio(g, text, score_cutoff=FUZZY_MIN)
        if score > best[0]:
            best = (score, i)
    if best[1] >= 0:
        return Alignment([claims[best[1]][0]], "fuzzy", best[0])
    contained: tuple[float, int, str] = (0.0, -1, "")
    for i, (_, text) in enumerate(claims):
        if len(text) < len(g) or len(text) > MAX_CONTAIN_RATIO * len(g):
            continue
        res = fuzz.partial_ratio_alignment(g, text, score_cutoff=FUZZY_MIN)
        if res is not None and res.score > contained[0]:
            contained = (res.score, i, text[res.dest_start:res.dest_end])
    if contained[1] >= 0:
        return Alignment([claims[contained[1]][0]], "contained", contained[0], contained[2])
    joined: tuple[float, list[str]] = (0.0, [])
    for n in range(2, MAX_JOIN + 1):
        for i in range(len(claims) - n + 1):
            part = claims[i:i + n]
            text = " ".join(t for _, t in part)
            if abs(len(text) - len(g)) > 0.2 * len(g):
                continue
            score = fuzz.ratio(g, text, score_cutoff=FUZZY_MIN)
            if score > joined[0]:
                joined = (score, [cid for cid, _ in part])
    if joined[1]:
        return Alignment(joined[1], "joined", joined[0])
    return None
