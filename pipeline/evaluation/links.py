"""Scoring links: top-1/top-3 sub-outcome, outcome, abstention, and which plan a gold row is for.

Why the plan's tables and not the ids: ids are whatever a plan prints or planmine generates
("4.1", "G1", "good-homes"), so an outcome cannot be read off a sub-outcome id; the ``aims``
table says each element's outcome. And one gold set may be labelled against several plans
(two councils, or a plan and its successor), so link accuracy is reported per plan: a gold
document belongs to the plan whose elements hold its sub-outcome ids (ties go to the plan its
predicted links point at).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

#: The plan label of gold rows that no plan in the tables can be assigned to.
NO_PLAN = "(no plan)"


@dataclass
class LinkScores:
    """Link accuracy over aligned gold sentences."""

    n_linked_gold: int = 0  # aligned gold sentences with a sub-outcome
    top1: int = 0
    top3: int = 0
    outcome: int = 0
    n_null_gold: int = 0  # aligned gold sentences with a null sub-outcome
    abstained: int = 0

    def add(self, other: LinkScores) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def rate(num: int, den: int) -> float | None:
        return num / den if den else None


@dataclass(frozen=True)
class RankedLink:
    """One distinct sub-outcome proposed for a gold sentence, best first."""

    sub_outcome_id: str
    score: float
    aim_id: str


def ranked_links(links: pd.DataFrame | None, claim_ids: list[str],
                 min_score: float | None) -> list[RankedLink]:
    """Distinct sub-outcomes linked to the claims, by rank then score, below ``min_score`` dropped."""
    if links is None or links.empty:
        return []
    rows = links[links["claim_id"].isin(claim_ids)].copy()
    rows["_rank"] = pd.to_numeric(rows["rank"], errors="coerce")
    rows["_score"] = pd.to_numeric(rows["score"], errors="coerce").fillna(0.0)
    if min_score is not None:
        rows = rows[rows["_score"] >= min_score]
    rows = rows.sort_values(["_rank", "_score"], ascending=[True, False])
    out: list[RankedLink] = []
    seen: set[str] = set()
    for sub, score, aim in zip(rows["sub_outcome_id"], rows["_score"], rows["aim_id"],
                               strict=True):
        if sub and sub not in seen:
            seen.add(sub)
            out.append(RankedLink(str(sub), float(score), str(aim)))
    return out


class PlanTables:
    """What the ``plans`` and ``aims`` tables say about plan elements, for scoring links.

    Without an aims table nothing is known about structure: every gold row is in one group
    and an outcome is right only when the sub-outcome is.
    """

    def __init__(self, aims: pd.DataFrame | None = None, plans: pd.DataFrame | None = None,
                 links: pd.DataFrame | None = None, claims: pd.DataFrame | None = None) -> None:
        self.order: list[str] = []
        self.titles: dict[str, str] = {}
        self.plan_of_aim: dict[str, str] = {}
        self.outcome_of_aim: dict[str, str] = {}
        self.outcome_of_sub: dict[tuple[str, str], str] = {}
        self.subs: dict[str, set[str]] = {}
        if plans is not None and not plans.empty:
            for pid, title in zip(plans["plan_id"], plans["title"], strict=True):
                self._add_plan(str(pid))
                self.titles[str(pid)] = str(title)
        if aims is not None and not aims.empty:
            for aim, pid, outcome, sub in zip(aims["aim_id"], aims["plan_id"], aims["outcome_id"],
                                              aims["sub_outcome_id"], strict=True):
                pid, sub, outcome = str(pid), str(sub), str(outcome)
                self._add_plan(pid)
                self.plan_of_aim[str(aim)] = pid
                self.outcome_of_aim[str(aim)] = outcome
                self.outcome_of_sub.setdefault((pid, sub), outcome)
                self.subs[pid].add(sub)
        # how many predicted links point at each plan, overall and per document
        self.links_to: Counter[str] = Counter()
        self.doc_links_to: dict[str, Counter[str]] = {}
        if links is not None and not links.empty and self.plan_of_aim:
            doc_of_claim: dict[str, str] = {}
            if claims is not None and not claims.empty:
                doc_of_claim = dict(zip(claims["claim_id"], claims["doc_id"], strict=True))
            for claim, aim in zip(links["claim_id"], links["aim_id"], strict=True):
                pid = self.plan_of_aim.get(str(aim))
                if pid is None:
                    continue
                self.links_to[pid] += 1
                doc = doc_of_claim.get(str(claim))
                if doc is not None:
                    self.doc_links_to.setdefault(doc, Counter())[pid] += 1

    def _add_plan(self, pid: str) -> None:
        if pid not in self.subs:
            self.order.append(pid)
            self.subs[pid] = set()

    def plan_for(self, gold_subs: Iterable[str], doc_id: str | None) -> str:
        """The plan a gold document was labelled against (:data:`NO_PLAN` if none is known).

        The plan holding most of its gold sub-outcome ids; on a tie, the one its predicted
        links point at most, then the one all links point at most, then the first listed.
        """
        if not self.order:
            return NO_PLAN
        subs = Counter(gold_subs)
        doc_links = self.doc_links_to.get(doc_id or "", Counter())

        def key(item: tuple[int, str]) -> tuple[int, int, int, int]:
            index, pid = item
            held = sum(n for sub, n in subs.items() if sub in self.subs[pid])
            return (held, doc_links[pid], self.links_to[pid], -index)

        return max(enumerate(self.order), key=key)[1]

    def gold_outcome(self, plan_id: str, sub_outcome_id: str) -> str:
        """The outcome of a gold sub-outcome in its plan (the id itself when not in the plan)."""
        return self.outcome_of_sub.get((plan_id, sub_outcome_id), sub_outcome_id)

    def predicted_outcome(self, link: RankedLink) -> str:
        """The outcome of a predicted link's element, from the aims table."""
        if link.aim_id in self.outcome_of_aim:
            return self.outcome_of_aim[link.aim_id]
        pid = self.plan_of_aim.get(link.aim_id, "")
        return self.outcome_of_sub.get((pid, link.sub_outcome_id), link.sub_outcome_id)
