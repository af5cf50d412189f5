"""The link stage: which sub-outcome of the plan each claim is evidence for.

:mod:`~pipeline.link.matcher` (the fitted claim → sub-outcome matcher), :mod:`~pipeline.link.signals`
(what it weighs: topics, headings, the sentence splitter it shares), :mod:`~pipeline.link.training`
(training examples from report headings, no gold), :mod:`~pipeline.link.corpus` (the batch:
the plan and its refreshed versions, then every claim's links).
"""
