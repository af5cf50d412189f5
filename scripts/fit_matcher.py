"""Fit the claim → aim matcher on the corpus and save it under models/matcher/ with its sidecar.

Steps: read the corpus; parse the strategic plan; fit the matcher on labels derived from
document structure; measure every signal alone and combined on the gold; choose the signal
weights (random search, macro top-1 over documents), fit the Platt calibration of "rank 1 is
right" on the gold, choose the default ``min_score``; save with the scores in the sidecar.

The gold is used to choose six weights, three calibration coefficients and one threshold,
never as training text. Run: ``python scripts/fit_matcher.py`` (or ``make fit``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from pipeline.config import DEFAULT_GOLD_DIR, DEFAULT_INPUT_DIR, MATCHER_DIR
from pipeline.link import SIGNALS, ClaimInput, Matcher, evaluate
from pipeline.link_data import GoldItem, gold_inputs, read_corpus
from pipeline.model import sha256_of
from pipeline.plan import parse_plan

log = logging.getLogger("fit_matcher")


def _accuracy(raw: np.ndarray, n_subs: int, subs: list[str], items: list[GoldItem]) -> dict[str, float]:
    order = np.argsort(-raw[:, :n_subs], axis=1, kind="stable")
    out: dict[str, float] = {}
    for doc in sorted({it.doc for it in items}) + ["all"]:
        idx = [i for i, it in enumerate(items) if it.expected and (doc == "all" or it.doc == doc)]
        out[doc] = float(np.mean([subs[order[i, 0]] == items[i].expected for i in idx]))
        out[doc + ":top3"] = float(np.mean([items[i].expected in {subs[j] for j in order[i, :3]}
                                            for i in idx]))
    return out


def search_weights(matcher: Matcher, signals: dict[str, np.ndarray], items: list[GoldItem],
                   trials: int, seed: int) -> dict[str, float]:
    """Random search over signal weights; objective: mean per-document top-1 plus top-3."""
    subs = matcher._subs
    rng = np.random.default_rng(seed)
    docs = sorted({it.doc for it in items})
    best_w, best_obj = dict(matcher.settings.weights), -1.0
    for t in range(trials):
        w = best_w if t == 0 else dict(zip(SIGNALS, rng.dirichlet(np.ones(len(SIGNALS))), strict=True))
        raw = sum(w[s] * signals[s] for s in SIGNALS)
        acc = _accuracy(raw, len(subs), subs, items)
        obj = np.mean([acc[d] for d in docs]) + 0.5 * acc["all:top3"]
        if obj > best_obj:
            best_w, best_obj = w, obj
    return {k: round(float(v), 4) for k, v in best_w.items()}


def calibrate(matcher: Matcher, items: list[GoldItem]) -> tuple[float, float, float, float]:
    """Platt scaling of "rank 1 is right" on raw score, none score and lead."""
    claims = [ClaimInput(f"g{i}", it.text, it.heading_path, it.doc_type) for i, it in enumerate(items)]
    raw = matcher.raw_scores(claims)
    n = len(matcher._subs)
    subs = raw[:, :n]
    order = np.argsort(-subs, axis=1, kind="stable")
    top = subs[np.arange(len(items)), order[:, 0]]
    second = subs[np.arange(len(items)), order[:, 1]]
    x = np.column_stack([top, raw[:, n], top - second])
    y = np.array([bool(it.expected) and matcher._subs[order[i, 0]] == it.expected
                  for i, it in enumerate(items)])
    lr = LogisticRegression(C=10.0).fit(x, y)
    a, b, c = (float(v) for v in lr.coef_[0])
    return (round(a, 4), round(b, 4), round(c, 4), round(float(lr.intercept_[0]), 4))


def choose_threshold(matcher: Matcher, items: list[GoldItem]) -> float:
    """The min_score that best balances kept correct links and abstention on null gold."""
    claims = [ClaimInput(f"g{i}", it.text, it.heading_path, it.doc_type) for i, it in enumerate(items)]
    cal, order = matcher.rank(claims)
    top = cal[np.arange(len(items)), order[:, 0]]
    right = np.array([bool(it.expected) and matcher._subs[order[i, 0]] == it.expected
                      for i, it in enumerate(items)])
    null = np.array([not it.expected for it in items])
    best, best_obj = 0.5, -1.0
    for t in np.arange(0.05, 0.95, 0.01):
        kept = float(np.mean((right & (top >= t))[~null]))
        abstain = float(np.mean((top < t)[null]))
        obj = kept + 0.5 * abstain
        if obj > best_obj:
            best, best_obj = float(round(t, 2)), obj
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_INPUT_DIR)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD_DIR)
    parser.add_argument("--out", type=Path, default=MATCHER_DIR)
    parser.add_argument("--source", choices=("text", "pdf"), default="text",
                        help="read the corpus as its text versions or as PDFs")
    parser.add_argument("--trials", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    docs = read_corpus(args.raw, source=args.source)
    plan_doc = next(d for d in docs if d.doc_type == "strategic_plan")
    plan = parse_plan(plan_doc)
    matcher = Matcher.fit(plan, docs)
    items = gold_inputs(args.gold, {d.stem: d for d in docs})
    claims = [ClaimInput(f"g{i}", it.text, it.heading_path, it.doc_type) for i, it in enumerate(items)]
    signals = matcher.signals(claims)
    alone = {s: _accuracy(signals[s], len(matcher._subs), matcher._subs, items) for s in SIGNALS}
    for s, acc in alone.items():
        log.info("%-8s top1 %.3f top3 %.3f", s, acc["all"], acc["all:top3"])
    matcher.settings.weights = search_weights(matcher, signals, items, args.trials, args.seed)
    matcher.settings.calibration = calibrate(matcher, items)
    matcher.settings.min_score = choose_threshold(matcher, items)
    scores = evaluate(matcher, items)
    scores["signals_alone"] = {s: {"top1": round(a["all"], 3), "top3": round(a["all:top3"], 3)}
                               for s, a in alone.items()}
    scores["note"] = ("weights, calibration and min_score chosen on this gold (in-sample); the 2024 "
                      "report is also training data by structure")
    matcher.meta["scores"] = scores
    matcher.meta["gold"] = {p.name: sha256_of(p) for p in sorted(args.gold.glob("*.jsonl"))}
    path = matcher.save(args.out)
    log.info("weights %s", matcher.settings.weights)
    log.info("calibration %s min_score %.2f", matcher.settings.calibration, matcher.settings.min_score)
    for key, res in scores.items():
        if isinstance(res, dict) and "top1" in res:
            log.info("%-60s %s", key, res)
    log.info("saved %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
