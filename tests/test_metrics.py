"""Recurring metrics: matching a measure across periods, never across units, with ≥2 periods."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.evidence.coverage import RULES_PATH
from pipeline.evidence.metrics import (
    MetricRules,
    build_metrics,
    load_metric_rules,
    measures_match,
    normalise_measure,
)
from pipeline.tables.schema import TABLES

PERIODS = {"d19": "2019/20", "d24": "2023/24", "d25": "2024/25"}
SHIPPED = load_metric_rules()
RULES = replace(SHIPPED, generic_measures=("people", "years", "times"))


def docs() -> pd.DataFrame:
    rows = [{"doc_id": d, "file": f"{d}.pdf", "sha256": d, "format": "pdf", "title": "",
             "organisation": "", "doc_type": "annual_report", "period_label": p,
             "period_start": None, "period_end": None, "pages": 1, "n_sections": 0,
             "n_claims": 0, "status": "ok", "error": ""} for d, p in PERIODS.items()]
    rows.append({**rows[0], "doc_id": "plan", "doc_type": "strategic_plan", "period_label": ""})
    return pd.DataFrame(rows, columns=TABLES["documents"].column_names)


#: Words every synthetic sentence shares unless a test gives its own context.
CONTEXT = "through the wildlife verge partnership"


def fig(doc: str, n: int, value: float, unit: str, measure: str, context: str = CONTEXT) -> dict:
    cid = f"{doc}:c{n:05d}"
    return {"mention_id": f"{cid}:m01", "claim_id": cid, "doc_id": doc, "text": f"{value:g}",
            "value": value, "low": None, "high": None, "unit": unit, "approx": False,
            "qualifier": "", "measure": measure, "sentence": f"{value:g} {measure} {context}."}


def tables(figs: list[dict], types: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    types = types or {}
    figures = pd.DataFrame(figs, columns=TABLES["figures"].column_names)
    claims = pd.DataFrame(
        [{"claim_id": f["claim_id"], "doc_id": f["doc_id"], "section_id": "", "page": 1,
          "text": f["sentence"], "claim_type": types.get(f["claim_id"], "statistic"), "char_start": 0,
          "char_end": 1} for f in figs],
        columns=TABLES["claims"].column_names).drop_duplicates("claim_id")
    return figures, claims


def metrics(figs: list[dict], types: dict[str, str] | None = None,
            rules: MetricRules = RULES) -> pd.DataFrame:
    figures, claims = tables(figs, types)
    return build_metrics(figures, claims, docs(), rules=rules)


def test_same_measure_in_two_periods_is_a_series() -> None:
    out = metrics([fig("d24", 1, 52.0, "percent", "household waste recycled"),
                   fig("d25", 1, 54.5, "percent", "of household waste recycled"),
                   fig("d25", 2, 23.0, "count", "gritters")])
    assert list(out.columns) == TABLES["metrics"].column_names
    assert list(out["period_label"]) == ["2023/24", "2024/25"]
    assert list(out["value"]) == [52.0, 54.5]
    assert set(out["series_id"]) == {"household-waste-recycled--percent"}
    assert list(out["claim_id"]) == ["d24:c00001", "d25:c00001"]


def test_plural_and_small_wording_changes_match() -> None:
    out = metrics([fig("d19", 1, 20.0, "count", "gritters"),
                   fig("d25", 1, 23.0, "count", "gritter")])
    assert len(out) == 2 and out["series_id"].nunique() == 1


@pytest.mark.parametrize("figs", [
    # one period only
    [fig("d24", 1, 52.0, "percent", "household waste recycled"),
     fig("d24", 2, 53.0, "percent", "household waste recycled")],
    # units differ: percent never with count
    [fig("d24", 1, 52.0, "percent", "household waste recycled"),
     fig("d25", 1, 54.0, "count", "household waste recycled")],
    # a generic measure
    [fig("d24", 1, 300.0, "count", "people"), fig("d25", 1, 310.0, "count", "people")],
    # a subset phrase is a different measure
    [fig("d24", 1, 40.0, "count", "schools"),
     fig("d25", 1, 38.0, "count", "schools rated good or outstanding")],
    # different things under similar words
    [fig("d24", 1, 16.0, "count", "family hubs opened"),
     fig("d25", 1, 15.0, "count", "libraries opened")],
    # values a hundredfold apart
    [fig("d24", 1, 5.0, "count", "electric vehicle charge points"),
     fig("d25", 1, 900.0, "count", "electric vehicle charge points")],
    # all-zero values (an age band read as a count)
    [fig("d24", 1, 0.0, "count", "healthy child programme"),
     fig("d25", 1, 0.0, "count", "healthy child programme")],
    # ranks never form series
    [fig("d24", 1, 1.0, "ordinal", "county for road maintenance"),
     fig("d25", 1, 2.0, "ordinal", "county for road maintenance")],
    # the strategic plan has no reporting period
    [fig("plan", 1, 50.0, "percent", "household waste recycled"),
     fig("d25", 1, 54.0, "percent", "household waste recycled")],
])
def test_not_a_series(figs: list[dict]) -> None:
    assert metrics(figs).empty


def test_sentences_about_different_things_are_not_a_series() -> None:
    figs = [fig("d24", 1, 72.0, "count", "businesses supported", "by the sport networking events"),
            fig("d25", 1, 80.0, "count", "businesses supported", "in creative industries grants")]
    assert metrics(figs).empty
    same = [fig("d24", 1, 72.0, "count", "businesses supported", "by the sport networking events"),
            fig("d25", 1, 80.0, "count", "businesses supported", "at sport networking sessions")]
    assert len(metrics(same)) == 2


def test_figure_text_and_measure_are_not_shared_context() -> None:
    # the only shared words are another figure's text: not evidence of the same topic
    figs = [fig("d24", 1, 72.0, "count", "gritters", "beside 18500 tonnes stored"),
            fig("d25", 1, 80.0, "count", "gritters", "with 18500 tonnes stored")]
    figs += [{**fig(d, 2, 18500.0, "tonnes", "salt"), "claim_id": f["claim_id"],
              "mention_id": f["claim_id"] + ":m02", "text": "18500 tonnes"}
             for d, f in (("d24", figs[0]), ("d25", figs[1]))]
    out = metrics(figs)
    assert "gritter--count" not in set(out["series_id"])


def test_targets_are_not_values_of_a_period() -> None:
    figs = [fig("d24", 1, 52.0, "percent", "household waste recycled"),
            fig("d25", 1, 60.0, "percent", "household waste recycled")]
    assert len(metrics(figs)) == 2
    assert metrics(figs, types={"d25:c00001": "target"}).empty


def test_ambiguous_period_is_dropped_but_agreeing_duplicates_kept() -> None:
    base = [fig("d24", 1, 52.0, "percent", "household waste recycled"),
            fig("d25", 1, 54.0, "percent", "household waste recycled")]
    clash = base + [fig("d25", 2, 12.0, "percent", "household waste recycled")]
    assert metrics(clash).empty  # 2024/25 has two different values: no series left
    agree = base + [fig("d25", 2, 54.0, "percent", "household waste recycled")]
    out = metrics(agree)
    assert list(out["claim_id"]) == ["d24:c00001", "d25:c00001"]  # one per period, first mention


def test_best_match_wins_within_a_period() -> None:
    out = metrics([fig("d24", 1, 52.0, "percent", "household waste recycled"),
                   fig("d25", 1, 54.0, "percent", "household waste recycled"),
                   fig("d25", 2, 51.0, "percent", "household wastes recycled and composted")],
                  rules=replace(SHIPPED, min_token_sort_ratio=60, min_token_set_ratio=60))
    assert list(out["value"]) == [52.0, 54.0]


WORDS = ["household", "waste", "recycled", "gritters", "hubs", "family", "roads", "miles"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(PERIODS)), st.sampled_from(WORDS),
                          st.sampled_from(WORDS), st.sampled_from(["count", "percent", "miles"]),
                          st.floats(1, 100)), max_size=25))
def test_series_never_mix_units_and_recur(items) -> None:
    figs = [fig(d, i + 1, v, u, f"{w1} {w2}") for i, (d, w1, w2, u, v) in enumerate(items)]
    out = metrics(figs)
    assert not out.duplicated(["series_id", "period_label"]).any()
    for _, grp in out.groupby("series_id"):
        assert grp["unit"].nunique() == 1
        assert grp["period_label"].nunique() >= 2


def test_deterministic_under_row_order() -> None:
    figs = [fig("d19", 1, 20.0, "count", "gritters"), fig("d24", 1, 22.0, "count", "gritters"),
            fig("d24", 2, 52.0, "percent", "household waste recycled"),
            fig("d25", 1, 54.0, "percent", "household waste recycled")]
    a = metrics(figs)
    b = metrics(list(reversed(figs)))
    pd.testing.assert_frame_equal(a, b)
    assert list(a["series_id"]) == ["gritter--count"] * 2 + ["household-waste-recycled--percent"] * 2


@pytest.mark.parametrize("measure,expected", [
    ("people", ""),
    ("the years", ""),
    ("Gritters", "gritter"),
    ("of household waste recycled", "household waste recycled"),
    ("", ""),
])
def test_normalise_measure(measure: str, expected: str) -> None:
    assert normalise_measure(measure, RULES) == expected


@pytest.mark.parametrize("a,b,same", [
    ("household waste recycled", "household waste recycled", True),
    ("household waste recycled", "household waste sent to landfill", False),
    ("school", "school rated good outstanding", False),
])
def test_measures_match(a: str, b: str, same: bool) -> None:
    assert measures_match(a, b, SHIPPED) is same


def test_yaml_rules_load() -> None:
    rules = load_metric_rules()
    assert rules.min_periods >= 2 and "percent" not in rules.skip_units
    assert "on" in rules.ignore_words  # quoted in the YAML, not read as a boolean


@pytest.mark.parametrize("change,message", [
    ({"min_period": 2}, r"metrics\.min_period\b"),
    ({"min_periods": 1}, "min_periods"),
    ({"min_token_sort_ratio": 120}, "min_token_sort_ratio"),
    ({"exclude_claim_types": ["targets"]}, "targets"),
    # what YAML makes of an unquoted "on": True, not a word
    ({"ignore_words": ["the", True]}, r"metrics\.ignore_words\.1: Input should be a valid string"),
])
def test_bad_yaml_raises(tmp_path: Path, change: dict, message: str) -> None:
    """One bad key in an otherwise shipped file: one error naming the file and the key."""
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["metrics"].update(change)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        load_metric_rules(path)
    assert str(path) in str(err.value)


def test_a_missing_key_is_an_error_not_a_default(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_PATH.read_text(encoding="utf-8").replace("  min_periods: 2\n", ""),
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"metrics\.min_periods: Field required"):
        load_metric_rules(path)


def test_participles_and_durations_never_form_series() -> None:
    from pipeline.evidence.metrics import load_metric_rules, normalise_measure

    rules = load_metric_rules()
    for word in ("reduced", "secured", "existing"):
        assert normalise_measure(word, rules) == "", word
    assert normalise_measure("gritters", rules) == "gritter"
    assert normalise_measure("reduced speed signs", rules) != ""
    assert {"months", "hours", "mph"} <= set(rules.skip_units)


def test_matching_is_measures_match_of_each_key() -> None:
    """The batched search gives exactly the keys measures_match accepts (thresholds 0 and 100
    included, where the cutoff passed to rapidfuzz is at its ends)."""
    from pipeline.evidence.metrics import _matching, measures_match

    keys = ["household waste recycled", "household wastes recycled", "waste recycled household",
            "recycled", "road repaired", "roads repaired this year", "", "household waste",
            "pothole filled", "potholes filled", "household waste recycled"]
    base = load_metric_rules()
    for sort_cut, set_cut in ((90.0, 95.0), (0.0, 0.0), (100.0, 100.0), (60.0, 80.0)):
        rules = replace(base, min_token_sort_ratio=sort_cut, min_token_set_ratio=set_cut)
        for seed in keys:
            assert _matching(seed, keys, rules) == {k for k in keys if measures_match(seed, k, rules)}
    assert _matching("x", [], base) == set()
