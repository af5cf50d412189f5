"""The evidence stage: evidence per plan element and what it adds up to per period.

:mod:`~pipeline.evidence.stage` (the stage's entry, :func:`~pipeline.evidence.stage.evidence_tables`),
:mod:`~pipeline.evidence.elements` (which aim, action, measure a claim supports),
:mod:`~pipeline.evidence.rules` (``models/evidence_rules.yaml``), :mod:`~pipeline.evidence.coverage`,
:mod:`~pipeline.evidence.measures`, :mod:`~pipeline.evidence.metrics` and
:mod:`~pipeline.evidence.compare` (periods side by side, gaps).
"""
