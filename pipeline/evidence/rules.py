"""The rules of the evidence stages, read from ``models/evidence_rules.yaml`` and validated.

Each section is a pydantic model with ``extra="forbid"``: a misspelt key is an error naming the
key, never a silent fall-back to a default. Regex cues are compiled on load, so a bad pattern
fails when the rules are read, not half-way through a run.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipeline.evidence.coverage import RULES_PATH, read_rules_section
from pipeline.model import CLAIM_TYPES
from pipeline.rulefiles import validated

EVIDENCE_ROLES = ("result", "activity")
MONEY_ROLES = ("council", "programme", "economy")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_regexes(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regex {pattern!r}: {exc}") from exc
    return patterns


def _check_claim_types(types: tuple[str, ...]) -> tuple[str, ...]:
    bad = [t for t in types if t not in CLAIM_TYPES]
    if bad:
        raise ValueError(f"unknown claim type(s) {bad}; known: {list(CLAIM_TYPES)}")
    return types


class RepeatRules(_Strict):
    """When a claim repeats a claim of an earlier period's report."""

    min_ratio: float = Field(ge=0, le=100)
    min_chars: int = Field(ge=1)


class RestateRules(_Strict):
    """When a claim restates a plan element in the element's own words."""

    min_ratio: float = Field(ge=0, le=100)
    min_token_sort_ratio: float = Field(ge=0, le=100)
    min_partial_share: float = Field(ge=0, le=1)
    min_words: int = Field(ge=1)


class EvidenceSettings(_Strict):
    """Which claims are evidence, in which role, and how elements are chosen."""

    result_types: tuple[str, ...]
    activity_types: tuple[str, ...]
    finished_cues: tuple[str, ...]
    min_link_score: float = Field(ge=0, le=1)
    min_action_score: float = Field(ge=0, le=1)
    min_measure_score: float = Field(ge=0, le=1)
    fuzzy_weight: float = Field(ge=0, le=1)

    _types = field_validator("result_types", "activity_types")(_check_claim_types)
    _cues = field_validator("finished_cues")(_check_regexes)


class LevelRule(_Strict):
    """One evidence level and the minimums that earn it (all must hold)."""

    level: str
    min_points: int = Field(1, ge=1)
    min_results: int = Field(0, ge=0)

    @field_validator("level")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ("weak", "moderate", "strong"):
            raise ValueError(f"level must be weak, moderate or strong, got {value!r}")
        return value


class LevelRules(_Strict):
    """Evidence level of a (plan element, period): results weigh more than activity."""

    result_points: int = Field(ge=0)
    activity_points: int = Field(ge=0)
    value_points: int = Field(ge=0)
    rules: tuple[LevelRule, ...]

    @model_validator(mode="after")
    def _results_weigh_more(self) -> LevelRules:
        if self.result_points <= self.activity_points:
            raise ValueError("result_points must be greater than activity_points")
        if not self.rules:
            raise ValueError("levels.rules must list at least one rule")
        return self

    def points(self, n_results: int, n_activity: int, n_values: int) -> int:
        return (n_results * self.result_points + n_activity * self.activity_points
                + n_values * self.value_points)

    def level(self, n_results: int, n_activity: int, n_values: int) -> str:
        """The first level whose rule holds, else ``"none"``. Values count as results."""
        points = self.points(n_results, n_activity, n_values)
        for rule in self.rules:
            if points >= rule.min_points and n_results + n_values >= rule.min_results:
                return rule.level
        return "none"


class MeasureRules(_Strict):
    """When a figure is a value of a plan success measure (precision first)."""

    unit_cues: dict[str, tuple[str, ...]]
    percent_cues: tuple[str, ...]
    count_cues: tuple[str, ...]
    money_cues: tuple[str, ...]
    min_shared: int = Field(ge=1)
    min_coverage: float = Field(gt=0, le=1)
    min_bare_coverage: float = Field(gt=0, le=1)
    exclude_claim_types: tuple[str, ...]
    generic_words: tuple[str, ...]

    _types = field_validator("exclude_claim_types")(_check_claim_types)
    earlier_value_cues: tuple[str, ...]
    change_before_cues: tuple[str, ...]
    change_after_cues: tuple[str, ...]
    limit_before_cues: tuple[str, ...]
    context_window: int = Field(ge=0)

    _cues = field_validator("percent_cues", "count_cues", "money_cues", "earlier_value_cues",
                            "change_before_cues", "change_after_cues",
                            "limit_before_cues")(_check_regexes)

    @field_validator("unit_cues")
    @classmethod
    def _unit_cues(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for unit, cues in value.items():
            if unit in ("percent", "count", "money"):
                raise ValueError(f"unit_cues: {unit!r} has its own *_cues key")
            _check_regexes(tuple(cues))
        return value


class MoneyRole(_Strict):
    role: str
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()

    _cues = field_validator("after", "before")(_check_regexes)

    @field_validator("role")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MONEY_ROLES:
            raise ValueError(f"money role must be one of {MONEY_ROLES}, got {value!r}")
        return value


class MoneyRoleRules(_Strict):
    window: int = Field(ge=1)
    default: str
    roles: tuple[MoneyRole, ...]

    @field_validator("default")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MONEY_ROLES:
            raise ValueError(f"money_roles.default must be one of {MONEY_ROLES}, got {value!r}")
        return value


class AllRules(_Strict):
    repeats: RepeatRules
    restates: RestateRules
    evidence: EvidenceSettings
    levels: LevelRules
    measures: MeasureRules
    money_roles: MoneyRoleRules


SECTIONS = tuple(AllRules.model_fields)


def load_all_rules(path: Path | None = None) -> AllRules:
    """Every evidence-stage section of the rules YAML, validated: the file is the only source
    of these settings, so a missing or unknown key is one error naming the file and the key."""
    path = RULES_PATH if path is None else path
    return validated(AllRules, {name: read_rules_section(name, path) for name in SECTIONS}, path)


@lru_cache(maxsize=1)
def default_rules() -> AllRules:
    """The shipped rules, read once per process."""
    return load_all_rules()
