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
from pipeline.link import Matcher
from pipeline.link_gold import context_claims, evaluate, gold_inputs, read_corpus
from pipeline.plan import Plan, parse_plan


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
    base = evaluate(Matcher.fit(plan, docs, settings), items, context=context)["all"]
    slug_items = [replace(it, expected=mapping[it.expected] if it.expected else None)
                  for it in items]
    slugged = Matcher.fit(other, docs, settings)
    assert set(slugged._subs) == set(mapping.values())
    got = evaluate(slugged, slug_items, context=context)["all"]
    assert got["top1"] >= base["top1"] - 0.02, (got, base)
    assert got["top1_kept"] >= base["top1_kept"] - 0.02, (got, base)
    assert abs(got["abstain"] - base["abstain"]) <= 0.05, (got, base)
    assert got["top1"] >= 0.7
