"""The plan stage: a strategic plan as data.

:mod:`~pipeline.plan.model` (Plan, Aim), :mod:`~pipeline.plan.read` (from a document),
:mod:`~pipeline.plan.files` (from CSV/YAML), :mod:`~pipeline.plan.refresh` (aims a later
report restates), :mod:`~pipeline.plan.diff` (what changed between two versions). The layout
rules they share are :mod:`pipeline.ingest.plan_layout`.
"""
