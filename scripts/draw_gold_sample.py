"""Draw a seeded random sample of claim sentences for a fresh hand-annotated gold set.

Why: a measurement set must be chosen without regard to whether planmine gets a sentence
right, and must not overlap sentences that rules were already written against. This script
draws, per document, N claims of at least MIN_WORDS words at random (fixed seed), skipping
any sentence already present in the given existing gold folders. It writes a draft JSONL per
document with empty annotation fields; planmine's own claim type is deliberately not copied.

Usage:
    python scripts/draw_gold_sample.py --pred /tmp/kent-m --exclude tests/data/kent-gold \
        --out tests/data/kent-gold-2 --seed 2612 --per-doc 6
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path


def _norm(text: str) -> str:
    """Collapse whitespace so the same sentence compares equal across extractions."""
    return " ".join(text.split())


def _existing_texts(folders: list[Path]) -> set[str]:
    """Normalised texts of sentences already in gold, so they are never drawn again."""
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    seen.add(_norm(json.loads(line)["text"]))
    return seen


def draw(
    pred: Path, exclude: list[Path], seed: int, per_doc: int, min_words: int
) -> dict[str, list[dict]]:
    """Return {doc stem: [draft gold rows]} drawn at random from pred/claims.csv."""
    with (pred / "documents.csv").open(encoding="utf-8") as fh:
        docs = {r["doc_id"]: r for r in csv.DictReader(fh)}
    with (pred / "sections.csv").open(encoding="utf-8") as fh:
        sections = {r["section_id"]: r["title"] for r in csv.DictReader(fh)}
    seen = _existing_texts(exclude)
    pools: dict[str, list[dict]] = {}
    with (pred / "claims.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = _norm(row["text"])
            if len(text.split()) < min_words or text in seen:
                continue
            pools.setdefault(row["doc_id"], []).append(row)
    rng = random.Random(seed)
    out: dict[str, list[dict]] = {}
    for doc_id in sorted(pools, key=lambda d: docs[d]["file"]):
        pool = sorted(pools[doc_id], key=lambda r: r["claim_id"])
        stem = Path(docs[doc_id]["file"]).stem
        picked: list[dict] = []
        texts: set[str] = set()
        for row in rng.sample(pool, len(pool)):
            text = _norm(row["text"])
            if text in texts:  # repeated lines (headers) would align to one gold row
                continue
            texts.add(text)
            picked.append(row)
            if len(picked) == per_doc:
                break
        picked.sort(key=lambda r: (int(r["page"] or 0), int(r["char_start"] or 0)))
        out[stem] = [
            {
                "doc": stem,
                "report_period": docs[doc_id]["period_label"] or None,
                "section": sections.get(row["section_id"], ""),
                "text": _norm(row["text"]),
                "claim_type": None,
                "money": [],
                "figures": [],
                "dates": [],
                "outcome": None,
                "sub_outcome": None,
                "sub_outcome_id": None,
                "notes": f"draw {seed}, page {row['page']}",
            }
            for row in picked
        ]
    return out


def main() -> None:
    """Parse arguments and write one draft JSONL per document."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pred", type=Path, required=True)
    ap.add_argument("--exclude", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=2612)
    ap.add_argument("--per-doc", type=int, default=6)
    ap.add_argument("--min-words", type=int, default=4)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for stem, rows in draw(
        args.pred, args.exclude, args.seed, args.per_doc, args.min_words
    ).items():
        path = args.out / f"{stem}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        print(f"{path}: {len(rows)}")


if __name__ == "__main__":
    main()
