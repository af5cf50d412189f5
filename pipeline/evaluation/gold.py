"""Reading the hand-annotated gold sentences, and the fixed split of them (one reader for all).

``planmine evaluate``, the matcher harness, the sentence-level scorer of the NLP components,
the tests and the fitting scripts all read gold through :func:`load_gold`, so a malformed line
fails the same way (file and line named) wherever it is read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The mention lists a gold sentence carries (empty when absent).
MENTION_KINDS = ("money", "figures", "dates")
#: Fields every gold sentence must have.
REQUIRED = ("doc", "text", "claim_type")

#: The fixed gold split, shared by every helper and script that tunes or fits on the gold.
#: Whole documents held out (never looked at while writing rules or fitting models) ...
HELD_OUT_DOCS = frozenset({"lcc-annual-delivery-report-2025"})
#: ... and, within every other document, a hash half of its sentences.
TUNING, HELD_OUT_HALF, HELD_OUT_DOC = "tuning", "held-out half", "held-out document"
SPLIT_PARTS = (TUNING, HELD_OUT_HALF, HELD_OUT_DOC)

GoldRow = dict[str, Any]


def gold_files(items: Iterable[Path]) -> list[Path]:
    """The ``*.jsonl`` files of each folder (sorted) and each file as given, in order."""
    files: list[Path] = []
    for item in items:
        item = Path(item)
        files.extend(sorted(item.glob("*.jsonl")) if item.is_dir() else [item])
    return files


def load_gold(paths: Iterable[Path]) -> list[GoldRow]:
    """Every gold sentence from the JSONL files (or folders of them), in order.

    Each dict gets ``_source`` ("file:line") and an empty list for a missing mention kind, so
    scorers need not guard; a line that is not JSON or lacks a required field raises
    ``ValueError`` naming file and line.
    """
    rows: list[GoldRow] = []
    for path in gold_files(paths):
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
                missing = [k for k in REQUIRED if k not in row]
                if missing:
                    raise ValueError(f"{path}:{n}: gold sentence lacks {missing}")
                for kind in MENTION_KINDS:
                    row.setdefault(kind, [])
                row["_source"] = f"{path}:{n}"
                rows.append(row)
    return rows


def split_of(row: GoldRow) -> str:
    """Which part of the fixed gold split a gold sentence is in (one of :data:`SPLIT_PARTS`).

    Why a hash and not a random draw: the part of a sentence must not depend on the order of
    the files, on other sentences or on a seed, so a sentence appended to the gold later
    never moves an existing one between parts. The text is whitespace-collapsed first so a
    re-wrapped line keeps its part.
    """
    doc = str(row["doc"])
    if doc in HELD_OUT_DOCS:
        return HELD_OUT_DOC
    text = " ".join(str(row["text"]).split())
    digest = hashlib.sha256(f"{doc}\n{text}".encode()).hexdigest()
    return HELD_OUT_HALF if int(digest, 16) % 2 == 1 else TUNING
