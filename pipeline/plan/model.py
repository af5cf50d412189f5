"""The strategic plan as data: a plan version and its elements (rows of the ``aims`` table).

IDs follow SCHEMA.md: ``plan_id`` is the plan document's ``doc_id``; an element is
``<plan_id>:<sub_outcome_id>:<a|c|m><n>`` numbered from 1 per sub-outcome and kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

KIND_LETTER = {"aim": "a", "action": "c", "measure": "m"}
AIM_COLUMNS = ("aim_id", "plan_id", "outcome_id", "outcome", "sub_outcome_id", "sub_outcome",
               "kind", "text")


class PlanNotFound(ValueError):
    """A document given or found as the plan lays out no plan elements (message: one line)."""


@dataclass
class Aim:
    """One plan element (a row of the ``aims`` table)."""

    aim_id: str
    plan_id: str
    outcome_id: str
    outcome: str
    sub_outcome_id: str
    sub_outcome: str
    kind: str
    text: str


@dataclass
class Plan:
    """A strategic plan version: metadata and its elements in plan order."""

    plan_id: str
    doc_id: str
    title: str
    period_start: date | None
    period_end: date | None
    version_label: str
    aims: list[Aim] = field(default_factory=list)

    def sub_outcomes(self) -> dict[str, str]:
        """sub_outcome_id → title, in plan order."""
        return {a.sub_outcome_id: a.sub_outcome for a in self.aims}

    def outcomes(self) -> dict[str, str]:
        """outcome_id → title, in plan order."""
        return {a.outcome_id: a.outcome for a in self.aims}

    def elements(self, sub_outcome_id: str, kind: str | None = None) -> list[Aim]:
        """The elements of one sub-outcome (of one kind if given)."""
        return [a for a in self.aims if a.sub_outcome_id == sub_outcome_id
                and (kind is None or a.kind == kind)]




def clean_element(text: str) -> str:
    """An element's text with whitespace collapsed and stray bullet glyphs removed."""
    text = " ".join(text.split())
    return re.sub(r"^[\-\u2022\u25cf\u25aa\uf0b7o•·]\s+", "", text).strip()

