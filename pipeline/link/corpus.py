"""Corpus-level stages: the plan as data, claim → aim links, coverage and recurring metrics.

These need every document at once (the plan is one of the inputs; coverage spans periods),
so they run after the per-file work, over the rows already built: nothing here re-reads a file.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipeline.config import MATCHER_DIR
from pipeline.ingest.read import read_document
from pipeline.link.matcher import ClaimInput, Matcher, MatcherSettings
from pipeline.model import Document
from pipeline.plan.files import read_plan_file
from pipeline.plan.read import parse_plan
from pipeline.plan.refresh import refreshed_plan

log = logging.getLogger(__name__)


def heading_paths(sections: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """section_id → the headings from the outermost down to it, as printed (number + title)."""
    if sections.empty:
        return {}
    by_id = {r.section_id: r for r in sections.itertuples(index=False)}
    paths: dict[str, tuple[str, ...]] = {}

    def path_of(sid: str) -> tuple[str, ...]:
        if sid in paths:
            return paths[sid]
        row = by_id[sid]
        label = f"{row.number} {row.title}".strip() if row.number else row.title
        parent = path_of(row.parent_id) if row.parent_id in by_id else ()
        paths[sid] = parent + (label,)
        return paths[sid]

    for sid in by_id:
        path_of(sid)
    return paths


def select_plan(documents: list[Document], plan_file: Path | None):
    """The plan to link against: ``plan_file`` if given, else the strategic plan among inputs."""
    if plan_file is not None:
        if plan_file.suffix.lower() in (".csv", ".yaml", ".yml"):
            return read_plan_file(plan_file)
        doc = read_document(plan_file, plan_file.parent)
        if doc.status == "failed":
            raise ValueError(f"{plan_file}: cannot read plan ({doc.error})")
        return parse_plan(doc)
    for doc in documents:
        if doc.status != "failed" and doc.doc_type == "strategic_plan":
            return parse_plan(doc)
    return None


def corpus_tables(
    documents: list[Document],
    tables: dict[str, pd.DataFrame],
    *,
    plan_file: Path | None = None,
    min_score: float | None = None,
    out_dir: Path | None = None,
) -> dict[str, pd.DataFrame]:
    """plans, aims, links, coverage and metrics for the whole batch.

    A plan the shipped matcher was not fitted on gets a fit cached in ``out_dir/matcher``.
    """
    out: dict[str, pd.DataFrame] = {}
    plan = select_plan(documents, plan_file)
    if plan is None:
        log.warning("no strategic plan found among the inputs (use --plan FILE): no links written")
        return out
    plans = [plan]
    for doc in documents:
        if doc.status != "failed" and doc.doc_type == "annual_report":
            refreshed = refreshed_plan(doc, plan)
            if refreshed is not None:
                plans.append(refreshed)
    out["plans"] = pd.DataFrame([
        {"plan_id": p.plan_id, "doc_id": p.doc_id, "title": p.title,
         "period_start": p.period_start, "period_end": p.period_end}
        for p in plans
    ])
    out["aims"] = pd.DataFrame([vars(a).copy() for p in plans for a in p.aims])

    local_terms = plan_file.with_suffix(".topics.yaml") if plan_file is not None else None
    matcher = _load_or_fit_matcher(
        plan, documents, cache=out_dir / "matcher" if out_dir is not None else None,
        local_terms=local_terms if local_terms is not None and local_terms.exists() else None)
    claims = tables.get("claims", pd.DataFrame())
    doc_types = {d.doc_id: d.doc_type for d in documents}
    paths = heading_paths(tables.get("sections", pd.DataFrame()))
    # the columns as object arrays: iterating pandas' string arrays cost a call per cell
    columns = [claims[c].to_numpy(dtype=object) for c in ("claim_id", "text", "doc_id", "section_id")
               ] if not claims.empty else []
    inputs = [
        ClaimInput(claim_id=claim_id, text=text, heading_path=paths.get(section_id, ()),
                   doc_type=doc_types.get(doc_id, "other"), doc_id=doc_id, section_id=section_id)
        for claim_id, text, doc_id, section_id in zip(*columns, strict=True)
    ]
    links = matcher.link(inputs, min_score=min_score) if inputs else []
    out["links"] = pd.DataFrame([vars(link).copy() for link in links])

    # coverage and metrics are built by the evidence stage (pipeline.evidence.stage.evidence_tables)
    # from each element's own evidence; building them here too was wasted work
    return out


def _load_or_fit_matcher(plan, documents: list[Document], directory: Path = MATCHER_DIR,
                         cache: Path | None = None, local_terms: Path | None = None):
    """The saved matcher when it was fitted on this plan; otherwise one fitted on this plan.

    A new fit keeps the saved matcher's combiner, gate and threshold: they weigh kinds of
    evidence relative to the plan (topic agreement, classifier, headings, section context),
    not a plan's sub-outcomes. It is cached in ``cache`` (beside the outputs) with a sidecar
    saying how its weights were obtained, and reused while the plan and inputs are the same.
    ``local_terms`` is an optional per-plan file of local names (``<plan>.topics.yaml``).
    """
    settings = MatcherSettings()
    source = {"weights": "defaults in pipeline/link/matcher.py (the shipped fit)", "fitted_on_plan": None}
    inputs = {d.file: d.sha256 for d in documents if d.status != "failed"}
    if (directory / "matcher.json").exists():
        try:
            matcher = Matcher.load(directory)
            if matcher.compatible_with(plan) and local_terms is None:
                return matcher.rebind(plan)
            log.info("saved matcher was fitted on another plan: fitting on this one")
            settings = replace(matcher.settings)
            source = {"weights": f"transferred from {directory / 'matcher.json'}",
                      "fitted_on_plan": matcher.meta.get("plan_id")}
        except Exception as exc:  # a stale artefact must not stop the run
            log.warning("could not load the saved matcher (%s): fitting a new one", exc)
    if cache is not None and (cache / "matcher.json").exists():
        try:
            cached = Matcher.load(cache)
            if (cached.compatible_with(plan) and cached.meta.get("inputs") == inputs
                    and cached.meta.get("local_terms") == (str(local_terms) if local_terms else None)):
                log.info("using the matcher fitted for this plan in %s", cache)
                return cached.rebind(plan)
        except Exception as exc:  # a stale cache is refitted
            log.info("cached matcher not usable (%s): refitting", exc)
    matcher = Matcher.fit(plan, [d for d in documents if d.status != "failed"], settings,
                          local_terms=local_terms)
    matcher.meta["how_fitted"] = {
        **source,
        "classifier_and_topic_profile": "fitted on this plan's own elements and on report "
                                        "sentences under headings that name its elements (no gold)",
        "combiner_gate_min_score": "not refitted: relative to the plan, they carry over; "
                                   "see the shipped sidecar's 'lopo' scores for the estimate"}
    if cache is not None:
        try:
            matcher.save(cache, scores={})
        except OSError as exc:  # caching is a convenience, never a failure
            log.warning("could not cache the fitted matcher in %s: %s", cache, exc)
    return matcher
