"""Measuring planmine against hand-annotated gold: one gold reader, one scorer of each kind.

- :mod:`~pipeline.evaluation.gold`: reading gold JSONL and the fixed tuning/held-out split;
- :mod:`~pipeline.evaluation.predictions`: reading the tables ``planmine extract`` wrote;
- :mod:`~pipeline.evaluation.align`: finding the claim(s) a gold sentence landed on;
- :mod:`~pipeline.evaluation.mentions`: matching money, figures and dates by value;
- :mod:`~pipeline.evaluation.links`: link scores, each element's plan and outcome;
- :mod:`~pipeline.evaluation.scores`: ``planmine evaluate`` (all of the above per document,
  per part of the split, per plan);
- :mod:`~pipeline.evaluation.report`: its plain-text report;
- :mod:`~pipeline.evaluation.components`: sentence-level scores of the NLP components;
- :mod:`~pipeline.evaluation.matcher`: the claim-to-aim matcher measured on gold in context.

The last two import spaCy and the matcher, so they are not imported here.
"""

from pipeline.evaluation.align import align, normalise
from pipeline.evaluation.gold import (
    HELD_OUT_DOC,
    HELD_OUT_DOCS,
    HELD_OUT_HALF,
    SPLIT_PARTS,
    TUNING,
    gold_files,
    load_gold,
    split_of,
)
from pipeline.evaluation.mentions import match_mentions
from pipeline.evaluation.predictions import combine_predictions, load_predictions
from pipeline.evaluation.report import format_report
from pipeline.evaluation.scores import EvaluationReport, evaluate

__all__ = [
    "HELD_OUT_DOC", "HELD_OUT_DOCS", "HELD_OUT_HALF", "SPLIT_PARTS", "TUNING",
    "EvaluationReport", "align", "combine_predictions", "evaluate", "format_report", "gold_files", "load_gold",
    "load_predictions", "match_mentions", "normalise", "split_of",
]
