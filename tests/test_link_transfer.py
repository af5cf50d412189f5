"""The matcher on a plan it was not fitted for: ids renamed, another council's flat plan.

Nothing in the matcher may depend on a plan's ids: Leicestershire's 2022-26 plan with its ids
replaced by slugs ("clean-and-green/nature-and-the-local-environment") must link the corpus as
well as with the printed ids (within 2 points of top-1).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from pipeline.config import DEFAULT_GOLD_DIR, DEFAULT_INPUT_DIR, MATCHER_DIR
from pipeline.evaluation.matcher import context_claims, gold_inputs, read_corpus, score_matcher
from pipeline.link.matcher import ClaimInput, Matcher
from pipeline.plan.model import Plan
from pipeline.plan.read import parse_plan


def _slug(text: str, words: int = 4) -> str:
    return "-".join(re.findall(r"[a-z]+", text.lower())[:words])


def renamed(plan: Plan) -> tuple[Plan, dict[str, str]]:
    """The plan with every outcome and sub-outcome id replaced by a slug of its titles."""
    subs = {}
    for a in plan.aims:
        subs.setdefault(a.sub_outcome_id, f"{_slug(a.outcome, 2)}/{_slug(a.sub_outcome)}")
    outs = {a.outcome_id: _slug(a.outcome, 2) for a in plan.aims}
    aims = [replace(a, outcome_id=outs[a.outcome_id], sub_outcome_id=subs[a.sub_outcome_id],
                    aim_id=a.aim_id.replace(f":{a.sub_outcome_id}:", f":{subs[a.sub_outcome_id]}:"))
            for a in plan.aims]
    return replace(plan, aims=aims), subs


@pytest.fixture(scope="module")
def corpus():
    return {d.stem: d for d in read_corpus(DEFAULT_INPUT_DIR)}


def test_renamed_ids_link_as_well_as_printed_ids(corpus):
    plan = parse_plan(next(d for d in corpus.values() if d.doc_type == "strategic_plan"))
    other, mapping = renamed(plan)
    assert len(set(mapping.values())) == len(mapping) and "4.2" not in mapping.values()
    settings = Matcher.load(MATCHER_DIR).settings
    docs = list(corpus.values())
    items = gold_inputs(DEFAULT_GOLD_DIR, corpus)
    context = context_claims(items, corpus)
    base = score_matcher(Matcher.fit(plan, docs, settings), items, context=context)["all"]
    slug_items = [replace(it, expected=mapping[it.expected] if it.expected else None)
                  for it in items]
    slugged = Matcher.fit(other, docs, settings)
    assert set(slugged._subs) == set(mapping.values())
    got = score_matcher(slugged, slug_items, context=context)["all"]
    assert got["top1"] >= base["top1"] - 0.02, (got, base)
    assert got["top1_kept"] >= base["top1_kept"] - 0.02, (got, base)
    assert abs(got["abstain"] - base["abstain"]) <= 0.05, (got, base)
    assert got["top1"] >= 0.7


COUNCIL2 = DEFAULT_INPUT_DIR.parent.parent / "tests" / "data" / "council2"
# a little below what scripts/fit_matcher.py --other-plan measured (sidecar "lopo": top-1
# 0.982, abstention 0.68 with the weights fitted on the tuning part of Leicestershire's gold;
# issue 17 asks top-1 >= 0.75 with abstention >= 0.6 on a plan the matcher was not fitted on)
TOP1_FLOOR_COUNCIL2 = 0.9
ABSTAIN_FLOOR_COUNCIL2 = 0.6


@pytest.fixture(scope="module")
def council2():
    """The invented second council: a flat plan file, two reports, hand-labelled gold."""
    from pipeline.ingest.text import read_text
    from pipeline.model import Document, doc_id_for, sha256_of
    from pipeline.plan.files import read_plan_file

    plan = read_plan_file(COUNCIL2 / "plan.yaml")
    docs = {}
    for path in sorted(COUNCIL2.glob("annual-*.txt")):
        sha = sha256_of(path)
        blocks, _ = read_text(path)
        doc = Document(doc_id=doc_id_for(sha), file=path.name, sha256=sha, format="txt",
                       path=path, blocks=blocks, doc_type="annual_report")
        doc.build_text()
        docs[doc.stem] = doc
    return plan, docs


def test_council2_links_with_weights_fitted_on_another_plan(council2):
    """Leave-one-plan-out: the shipped weights (fitted on Leicestershire's gold) on a plan and
    reports they never saw; the classifier and topic profile come from council2's own plan."""
    plan, docs = council2
    matcher = Matcher.fit(plan, list(docs.values()), Matcher.load(MATCHER_DIR).settings)
    assert matcher._subs == list(plan.sub_outcomes())
    items = gold_inputs(COUNCIL2 / "gold", docs)
    assert {it.expected for it in items} - {None} <= set(plan.sub_outcomes())
    res = score_matcher(matcher, items, context=context_claims(items, docs))["all"]
    assert res["top1"] >= TOP1_FLOOR_COUNCIL2, res
    assert res["abstain"] >= ABSTAIN_FLOOR_COUNCIL2, res
    # nothing of council2's is off-topic: it is another council, not a software manual
    links = matcher.link([ClaimInput(f"c{i}", it.text, it.heading_path, "annual_report", it.doc_id)
                          for i, it in enumerate(items)])
    assert len({link.claim_id for link in links}) > len(items) // 3
