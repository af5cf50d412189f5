"""Score extracted tables against hand-annotated gold sentences (``planmine evaluate``).

Why it is built this way:

- **Alignment first** (:mod:`pipeline.evaluation.align`). Each gold sentence is looked for
  among the claims of its own document (``documents.file`` stem == gold ``doc``). The
  alignment rate is reported. An unaligned gold sentence still counts: its mentions are false
  negatives; claim-type accuracy is given both over aligned sentences and "strict" (unaligned
  = wrong). When a sentence aligned to 2-3 joined claims, their mentions are unioned, the
  claim type of the first claim is used, and their links are merged by rank.
- **Values, not spans** (:mod:`pipeline.evaluation.mentions`). Unmatched predictions in
  aligned sentences are false positives; predictions in claims no gold sentence aligned to
  are not scored (gold is a sample).
- **Links** (if ``links.csv`` exists, :mod:`pipeline.evaluation.links`): top-1 and top-3
  sub-outcome accuracy, outcome accuracy (the outcome as the ``aims`` table gives it),
  correct abstention on gold sentences whose sub-outcome is null (no link left after
  dropping those scoring below ``min_score``), a reliability table (rank-1 score bins against
  the fraction of rank-1 links that are right; a link on a null-gold sentence is wrong), and
  the link scores per plan when the gold documents belong to different plans. Link metrics
  are over aligned sentences only (reported with ``n``).
- **The fixed split** (:func:`pipeline.evaluation.gold.split_of`): every score is also given
  for the tuning half, the held-out half and the held-out document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.evaluation.align import align, normalise
from pipeline.evaluation.gold import MENTION_KINDS, SPLIT_PARTS, GoldRow, split_of
from pipeline.evaluation.links import LinkScores, PlanTables, ranked_links
from pipeline.evaluation.mentions import PRF, Key, gold_keys, match_mentions, table_keys

N_BINS = 10


@dataclass
class DocScores:
    """All numbers for one document (or, summed, for a part of the gold or the whole)."""

    doc: str
    n_gold: int = 0
    n_aligned: int = 0
    type_correct: int = 0
    mentions: dict[str, PRF] = field(default_factory=lambda: {k: PRF() for k in MENTION_KINDS})
    links: LinkScores | None = None
    found: bool = True  # the document exists in documents.csv

    def add(self, other: DocScores) -> None:
        """Sum another row's or document's counts into this one."""
        self.n_gold += other.n_gold
        self.n_aligned += other.n_aligned
        self.type_correct += other.type_correct
        for kind in MENTION_KINDS:
            self.mentions[kind].add(other.mentions[kind])
        if self.links is not None and other.links is not None:
            self.links.add(other.links)

    @property
    def alignment_rate(self) -> float:
        return self.n_aligned / self.n_gold if self.n_gold else 0.0

    @property
    def type_accuracy(self) -> float:
        return self.type_correct / self.n_aligned if self.n_aligned else 0.0

    @property
    def type_accuracy_strict(self) -> float:
        return self.type_correct / self.n_gold if self.n_gold else 0.0


@dataclass
class ReliabilityBin:
    """Rank-1 links whose score falls in [low, high), and how many were right."""

    low: float
    high: float
    n: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None


@dataclass
class PlanScores:
    """Link scores of the gold documents labelled against one plan."""

    plan_id: str
    title: str
    scores: DocScores


@dataclass
class EvaluationReport:
    """Per-document and overall scores, the claim-type confusion, link reliability."""

    documents: list[DocScores]
    overall: DocScores
    parts: list[DocScores] = field(default_factory=list)  # the gold split, in SPLIT_PARTS order
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, pred) -> n
    reliability: list[ReliabilityBin] = field(default_factory=list)
    alignment_methods: Counter[str] = field(default_factory=Counter)
    min_score: float | None = None
    has_links: bool = False
    plans: list[PlanScores] = field(default_factory=list)  # only when gold spans 2+ plans


def _rows_by(df: pd.DataFrame | None, key: str) -> dict[str, pd.DataFrame]:
    if df is None or df.empty:
        return {}
    return {str(k): g for k, g in df.groupby(key, sort=False)}


def _in_window(df: pd.DataFrame, window: str | None) -> pd.DataFrame:
    """Mentions of a merged claim that fall inside the gold sentence's part of it."""
    if window is None or df.empty:
        return df
    texts = [normalise(t) for t in df["text"]]
    keep = [not t or t in window for t in texts]
    return df[keep]


def evaluate(gold: list[GoldRow], preds: dict[str, pd.DataFrame],
             min_score: float | None = None) -> EvaluationReport:
    """Align gold sentences to predicted claims and score mentions, types and links."""
    documents = preds["documents"]
    if "status" in documents:  # a skipped entry (a notes file named like a PDF) holds no claims
        documents = documents[documents["status"].astype(str) != "skipped"]
    stem_to_id = {Path(f).stem: d for f, d in zip(documents["file"], documents["doc_id"],
                                                   strict=True)}
    claims_by_doc = _rows_by(preds["claims"], "doc_id")
    mentions_by_claim = {k: _rows_by(preds.get(k), "claim_id") for k in MENTION_KINDS}
    links = preds.get("links")
    has_links = links is not None
    tables = PlanTables(preds.get("aims"), preds.get("plans"), links, preds["claims"])
    gold_subs: dict[str, list[str]] = {}
    for row in gold:
        if row.get("sub_outcome_id"):
            gold_subs.setdefault(row["doc"], []).append(str(row["sub_outcome_id"]))
    plan_of_doc = {row["doc"]: tables.plan_for(gold_subs.get(row["doc"], []),
                                               stem_to_id.get(row["doc"])) for row in gold}

    def fresh(name: str) -> DocScores:
        return DocScores(name, links=LinkScores() if has_links else None)

    report = EvaluationReport([], fresh("all"), min_score=min_score, has_links=has_links)
    bins = [ReliabilityBin(i / N_BINS, (i + 1) / N_BINS) for i in range(N_BINS)]
    per_doc: dict[str, DocScores] = {}
    per_part = {p: fresh(p) for p in SPLIT_PARTS}
    per_plan: dict[str, DocScores] = {}
    claim_cache: dict[str | None, tuple[list[tuple[str, str]], dict[str, str]]] = {}

    for row in gold:
        stem = row["doc"]
        doc_scores = per_doc.setdefault(stem, fresh(stem))
        plan_id = plan_of_doc[stem]
        # one row's counts, summed below into its document, its part of the split, its plan
        scores = DocScores(stem, n_gold=1, links=LinkScores() if has_links else None)
        doc_id = stem_to_id.get(stem)
        if doc_id is None:
            doc_scores.found = False
        if doc_id not in claim_cache:
            df = claims_by_doc.get(str(doc_id), pd.DataFrame(columns=["claim_id", "text",
                                                                      "claim_type"]))
            claim_cache[doc_id] = ([(c, normalise(t)) for c, t in zip(df["claim_id"], df["text"],
                                                                      strict=True)],
                                   dict(zip(df["claim_id"], df["claim_type"], strict=True)))
        claim_list, claim_types = claim_cache[doc_id]
        found = align(row["text"], claim_list) if claim_list else None
        pred_type = None
        if found is not None:
            scores.n_aligned += 1
            report.alignment_methods[found.method] += 1
            pred_type = claim_types.get(found.claim_ids[0])
            scores.type_correct += pred_type == row["claim_type"]
        report.confusion[(row["claim_type"], pred_type or "(unaligned)")] += 1
        for kind in MENTION_KINDS:
            pred_keys: list[Key] = []
            if found is not None:
                for cid in found.claim_ids:
                    df = mentions_by_claim[kind].get(cid)
                    if df is not None:
                        pred_keys += table_keys(_in_window(df, found.window), kind)
            scores.mentions[kind].add(match_mentions(gold_keys(row, kind), pred_keys, kind))
        if has_links and found is not None and scores.links is not None:
            ranked = ranked_links(links, found.claim_ids, min_score)
            gold_sub = row.get("sub_outcome_id")
            if gold_sub:
                scores.links.n_linked_gold += 1
                subs = [r.sub_outcome_id for r in ranked]
                scores.links.top1 += bool(subs) and subs[0] == gold_sub
                scores.links.top3 += gold_sub in subs[:3]
                scores.links.outcome += bool(ranked) and (tables.predicted_outcome(ranked[0])
                                                          == tables.gold_outcome(plan_id, gold_sub))
            else:
                scores.links.n_null_gold += 1
                scores.links.abstained += not ranked
            if ranked:
                b = bins[min(int(ranked[0].score * N_BINS), N_BINS - 1)]
                b.n += 1
                b.correct += bool(gold_sub) and ranked[0].sub_outcome_id == gold_sub
        doc_scores.add(scores)
        per_part[split_of(row)].add(scores)
        per_plan.setdefault(plan_id, fresh(plan_id)).add(scores)

    for scores in per_doc.values():
        report.documents.append(scores)
        report.overall.add(scores)
    report.parts = [per_part[p] for p in SPLIT_PARTS if per_part[p].n_gold]
    report.reliability = bins
    if len(per_plan) > 1:
        report.plans = [PlanScores(p, tables.titles.get(p, ""), s) for p, s in per_plan.items()]
    return report
