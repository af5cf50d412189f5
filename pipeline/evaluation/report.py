"""The plain-text report ``planmine evaluate`` prints."""

from __future__ import annotations

from pipeline.evaluation.gold import MENTION_KINDS
from pipeline.evaluation.links import LinkScores
from pipeline.evaluation.scores import EvaluationReport
from pipeline.model import CLAIM_TYPES


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in
                       enumerate(zip(header, widths, strict=True)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                               enumerate(zip(r, widths, strict=True))))
    return "\n".join(lines)


def _link_cells(lk: LinkScores) -> list[str]:
    """top1, top3, outcome, abstain."""
    return [_pct(lk.rate(lk.top1, lk.n_linked_gold)), _pct(lk.rate(lk.top3, lk.n_linked_gold)),
            _pct(lk.rate(lk.outcome, lk.n_linked_gold)),
            _pct(lk.rate(lk.abstained, lk.n_null_gold))]


def format_report(report: EvaluationReport) -> str:
    """A plain-text report: per-document table, overall line, confusion, link reliability, and
    links per plan when the gold documents belong to more than one plan."""
    header = ["document", "gold", "aligned", "type_acc", "type_strict"]
    for kind in MENTION_KINDS:
        header += [f"{kind}_P", f"{kind}_R", f"{kind}_F1"]
    if report.has_links:
        header += ["top1", "top3", "outcome", "abstain"]
    rows = []
    # per document, then the parts of the fixed gold split (tuning vs held out), then all
    for s in [*report.documents, *report.parts, report.overall]:
        name = s.doc if s.found else f"{s.doc} (NOT IN PREDICTIONS)"
        r = [name, str(s.n_gold), _pct(s.alignment_rate), _pct(s.type_accuracy),
             _pct(s.type_accuracy_strict)]
        for kind in MENTION_KINDS:
            m = s.mentions[kind]
            r += [_pct(m.precision), _pct(m.recall), _pct(m.f1)]
        if report.has_links and s.links is not None:
            r += _link_cells(s.links)
        rows.append(r)
    parts = ["Evaluation against gold sentences", "", _table(header, rows), ""]
    o = report.overall
    counts = ", ".join(f"{k}: tp={o.mentions[k].tp} fp={o.mentions[k].fp} fn={o.mentions[k].fn}"
                       for k in MENTION_KINDS)
    methods = ", ".join(f"{k}={v}" for k, v in sorted(report.alignment_methods.items()))
    parts += [f"aligned {o.n_aligned}/{o.n_gold} gold sentences ({methods or 'none'})",
              f"mention counts: {counts}", ""]
    pred_types = [*CLAIM_TYPES, "(unaligned)"]
    conf_rows = [[g, *[str(report.confusion.get((g, p), 0)) for p in pred_types]]
                 for g in CLAIM_TYPES]
    parts += ["claim_type confusion (rows gold, columns predicted)",
              _table(["gold\\pred", *[p[:11] for p in pred_types]], conf_rows), ""]
    if report.has_links and o.links is not None:
        thr = "none" if report.min_score is None else f"{report.min_score:g}"
        parts += [f"links: {o.links.n_linked_gold} aligned gold sentences with a sub-outcome, "
                  f"{o.links.n_null_gold} without; min_score={thr}",
                  "reliability of rank-1 links (score bin -> fraction correct)",
                  _table(["score", "n", "correct"],
                         [[f"{b.low:.1f}-{b.high:.1f}", str(b.n), _pct(b.accuracy)]
                          for b in report.reliability]), ""]
    if report.has_links and report.plans:
        plan_rows = [[f"{p.plan_id} {p.title}"[:60].strip(), str(p.scores.n_gold),
                      str(p.scores.links.n_linked_gold if p.scores.links else 0),
                      str(p.scores.links.n_null_gold if p.scores.links else 0),
                      *(_link_cells(p.scores.links) if p.scores.links else ["-"] * 4)]
                     for p in report.plans]
        parts += ["links per plan (a gold document belongs to the plan holding its sub-outcome ids)",
                  _table(["plan", "gold", "linked", "null", "top1", "top3", "outcome",
                          "abstain"], plan_rows), ""]
    return "\n".join(parts)
