"""Fit the claim-type classifier on the tuning half of the gold; save it under models/claim_type/.

Why a trained model: the cue rules reach ~0.7 on all gold and lower on sentences they were not
written against; a linear model over the sentence's words, its heading and the rules' own
decision and cues (:func:`pipeline.nlp.claims.model_input`) can weigh the cues by evidence
instead of by hand. Only the tuning part of the fixed gold split
(:func:`pipeline.evaluation.split_of`) is used for fitting and for choosing settings; the
held-out half and the held-out document are scored once, at the end, and written to the
sidecar beside the leave-one-document-out scores within tuning.

Inputs are built as at runtime: each gold sentence is run through the planmine pipeline
(money, dates, figures: for the mention features) with its report period, and the heading is
the one the runtime gives the sentence (``--heading runtime``: the section of the extracted
claim the sentence aligns to in ``--pred``, falling back to the gold section) or the innermost
part of the gold ``section`` field (``--heading gold``).

Run: ``python scripts/fit_claim_types.py`` (``make fit-claims``), after ``make extract``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from pipeline.config import DEFAULT_GOLD_DIR, DEFAULT_OUTPUT_DIR
from pipeline.evaluation import (
    HELD_OUT_DOC,
    HELD_OUT_HALF,
    SPLIT_PARTS,
    TUNING,
    align,
    load_gold,
    load_predictions,
    normalise,
    split_of,
)
from pipeline.nlp.claims import (
    DEFAULT_MODEL_PATH,
    FEATURE_VERSION,
    classify,
    input_cues,
    input_headings,
    input_texts,
    load_claim_rules,
    mention_facts,
    model_input,
    text_preprocessor,
)
from pipeline.nlp.pipeline import build_nlp, make_doc

C_GRID = (1.0, 3.0)
VARIANTS = ("text+heading+rules", "rules+heading")


def period_of(label: str | None) -> tuple[date | None, date | None]:
    """A gold ``report_period`` as dates: "2023/24" a financial year, "2022" a calendar year."""
    label = (label or "").strip()
    if "/" in label and label[:4].isdigit():
        y = int(label[:4])
        return date(y, 4, 1), date(y + 1, 3, 31)
    if label.isdigit():
        return date(int(label), 1, 1), date(int(label), 12, 31)
    return None, None


def runtime_headings(gold: list[dict], pred_dir: Path) -> list[str | None]:
    """For each gold sentence, the heading the runtime gave the claim it aligns to (or None)."""
    preds = load_predictions(pred_dir)
    sections = pd.read_csv(pred_dir / "sections.csv", dtype=str, keep_default_na=False)
    titles = {sid: " ".join(f"{num} {title}".split())
              for sid, num, title in zip(sections["section_id"], sections["number"],
                                         sections["title"], strict=True)}
    docs = preds["documents"]
    stem_to_id = {Path(f).stem: d for f, d in zip(docs["file"], docs["doc_id"], strict=True)}
    by_doc = {k: g for k, g in preds["claims"].groupby("doc_id")}
    out: list[str | None] = []
    cache: dict[str, tuple[list[tuple[str, str]], dict[str, str]]] = {}
    for row in gold:
        doc_id = stem_to_id.get(row["doc"])
        if doc_id not in by_doc:
            out.append(None)
            continue
        if doc_id not in cache:
            df = by_doc[doc_id]
            cache[doc_id] = ([(c, normalise(t)) for c, t in zip(df["claim_id"], df["text"],
                                                                strict=True)],
                             dict(zip(df["claim_id"], df["section_id"], strict=True)))
        claims, section_of = cache[doc_id]
        found = align(row["text"], claims)
        out.append(titles.get(section_of[found.claim_ids[0]], "") if found else None)
    return out


def build_inputs(gold: list[dict], headings: list[str]) -> list[dict[str, Any]]:
    """:func:`model_input` of every gold sentence, mention facts from the real components."""
    nlp = build_nlp()
    rules = load_claim_rules()
    out = []
    with nlp.select_pipes(disable=["planmine_claims"]):
        for row, heading in zip(gold, headings, strict=True):
            doc = nlp(make_doc(nlp, row["text"], *period_of(row.get("report_period")), heading))
            facts = mention_facts(doc, 0, len(doc.text))
            out.append(model_input(row["text"], heading, facts, rules) | {"_facts": facts})
    return out


def make_model(c: float, variant: str) -> Pipeline:
    """The classifier: TF-IDF word 1-2-grams of sentence and heading + rule features, L2 logit."""
    parts = []
    if "text" in variant:
        parts.append(("text", Pipeline([
            ("select", FunctionTransformer(input_texts)),
            ("tfidf", TfidfVectorizer(preprocessor=text_preprocessor, ngram_range=(1, 2),
                                      sublinear_tf=True, min_df=1)),
        ])))
    if "heading" in variant:
        parts.append(("heading", Pipeline([
            ("select", FunctionTransformer(input_headings)),
            ("tfidf", TfidfVectorizer(preprocessor=text_preprocessor, ngram_range=(1, 2),
                                      sublinear_tf=True, min_df=1)),
        ])))
    if "rules" in variant:
        parts.append(("rules", Pipeline([
            ("select", FunctionTransformer(input_cues)),
            ("vec", DictVectorizer()),
        ])))
    return Pipeline([("features", FeatureUnion(parts)),
                     ("clf", LogisticRegression(C=c, max_iter=5000))])


def accuracy(gold: list[str], pred: list[str]) -> float:
    return float(np.mean([g == p for g, p in zip(gold, pred, strict=True)])) if gold else 0.0


def lodo(inputs: list[dict], labels: list[str], docs: list[str], c: float,
         variant: str) -> tuple[float, dict[str, float]]:
    """Leave-one-document-out accuracy within the given (tuning) sentences."""
    hits = 0
    per_doc: dict[str, float] = {}
    for doc in sorted(set(docs)):
        train = [i for i, d in enumerate(docs) if d != doc]
        test = [i for i, d in enumerate(docs) if d == doc]
        model = make_model(c, variant).fit([inputs[i] for i in train], [labels[i] for i in train])
        pred = model.predict([inputs[i] for i in test])
        ok = [labels[i] == p for i, p in zip(test, pred, strict=True)]
        hits += sum(ok)
        per_doc[doc] = round(float(np.mean(ok)), 3)
    return hits / len(labels), per_doc


def rules_only(rows: list[dict], inputs: list[dict]) -> list[str]:
    """The rules' decision with the heading (block kind guessed from the sentence's shape)."""
    rules = load_claim_rules()
    out = []
    for row, x in zip(rows, inputs, strict=True):
        kind = "paragraph" if "shape:no_terminal" not in x["cues"] else "bullet"
        out.append(classify(row["text"], x["_facts"], rules, x["heading"], kind).claim_type)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD_DIR)
    ap.add_argument("--pred", type=Path, default=DEFAULT_OUTPUT_DIR,
                    help="extracted tables, for the runtime headings")
    ap.add_argument("--heading", choices=("runtime", "gold"), default="runtime")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    ap.add_argument("--no-save", action="store_true", help="measure only")
    args = ap.parse_args(argv)

    files = sorted(args.gold.glob("*.jsonl"))
    gold = load_gold(files)
    parts = [split_of(r) for r in gold]
    gold_headings = [(r.get("section") or "").split(" / ")[-1] for r in gold]
    if args.heading == "runtime":
        found = runtime_headings(gold, args.pred)
        headings = [f if f is not None else g for f, g in zip(found, gold_headings, strict=True)]
    else:
        headings = gold_headings
    inputs = build_inputs(gold, headings)
    labels = [r["claim_type"] for r in gold]
    idx = {p: [i for i, q in enumerate(parts) if q == p] for p in SPLIT_PARTS}
    tune = idx[TUNING]
    t_inputs = [inputs[i] for i in tune]
    t_labels = [labels[i] for i in tune]
    t_docs = [gold[i]["doc"] for i in tune]

    # choose the variant and C by leave-one-document-out within tuning only
    grid: dict[str, float] = {}
    for variant in VARIANTS:
        for c in C_GRID:
            grid[f"{variant} C={c:g}"] = round(lodo(t_inputs, t_labels, t_docs, c, variant)[0], 4)
            print(f"LODO within tuning  {variant:<20} C={c:<5g} {grid[f'{variant} C={c:g}']:.3f}",
                  file=sys.stderr)
    best = max(grid, key=lambda k: grid[k])
    variant, c = best.split(" C=")[0], float(best.split(" C=")[1])
    lodo_acc, lodo_docs = lodo(t_inputs, t_labels, t_docs, c, variant)
    model = make_model(c, variant).fit(t_inputs, t_labels)

    rule_pred = rules_only(gold, inputs)
    scores: dict[str, Any] = {"lodo_within_tuning": round(lodo_acc, 4),
                              "lodo_per_document": lodo_docs}
    baseline: dict[str, float] = {}
    for part in (HELD_OUT_HALF, HELD_OUT_DOC):
        pred = model.predict([inputs[i] for i in idx[part]])
        scores[part] = round(accuracy([labels[i] for i in idx[part]], list(pred)), 4)
    for part in SPLIT_PARTS:
        baseline[part] = round(accuracy([labels[i] for i in idx[part]],
                                        [rule_pred[i] for i in idx[part]]), 4)
    scores["tuning (training fit, not a measure)"] = round(
        accuracy(t_labels, list(model.predict(t_inputs))), 4)
    report = {
        "artefact": args.out.name,
        "feature_version": FEATURE_VERSION,
        "sklearn_version": sklearn.__version__,
        "trained_on": "tuning half of the gold split (pipeline.evaluation.split_of)",
        "gold": {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files},
        "n_training": len(tune),
        "training_labels": dict(sorted(Counter(t_labels).items())),
        "heading_source": args.heading,
        "settings": {"variant": variant, "C": c, "ngram_range": [1, 2], "sublinear_tf": True,
                     "classifier": "LogisticRegression (L2, lbfgs)",
                     "chosen_by": "leave-one-document-out accuracy within tuning",
                     "grid": grid},
        "scores": scores,
        "rules_only_sentence_level": baseline,
        "note": ("sentence-level scores on the gold text run alone; `planmine evaluate` scores "
                 "the extracted claims end to end"),
    }
    print(json.dumps({k: report[k] for k in ("settings", "scores", "rules_only_sentence_level")},
                     indent=2))
    if not args.no_save:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(model, args.out)
        report["artefact_sha256"] = hashlib.sha256(args.out.read_bytes()).hexdigest()
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n",
                                                 encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
