"""Build the planmine spaCy pipeline: ``spacy.blank("en")`` plus our own components.

No trained model is used or downloaded. Component order matters: money is claimed first
(the pound sign is unambiguous), then dates (so years are never counted as figures), then
figures over whatever is left, then claims, which can use the mentions to type a sentence.
"""

from __future__ import annotations

from datetime import date

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp import extensions

COMPONENTS = (
    "planmine_sentences",
    "planmine_money",
    "planmine_dates",
    "planmine_figures",
    "planmine_claims",
)


def _import_components() -> None:
    """Importing the modules registers their factories with spaCy."""
    from pipeline.nlp import claims, dates, figures, money, sentences  # noqa: F401


def build_nlp() -> Language:
    """A blank English pipeline with every planmine component added in order."""
    _import_components()
    extensions.register()
    nlp = spacy.blank("en")
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


def make_doc(nlp: Language, text: str, period_start: date | None = None,
             period_end: date | None = None, heading: str = "", block_kind: str = "",
             window_start: date | None = None, window_end: date | None = None) -> Doc:
    """Tokenise ``text`` and attach the reporting period, heading and block kind for the components.

    ``window_start``/``window_end`` are the dates the document says it reports on; yearless
    and relative dates resolve inside them when both are given, else inside the period.
    """
    doc = nlp.make_doc(text)
    # the tokenizer keeps every character: the components' doc_text need not join the tokens
    doc.user_data[extensions.TEXT_KEY] = text
    x = doc._  # one accessor object: spaCy builds a new one on every ``doc._``
    x.window_start = window_start
    x.window_end = window_end
    x.block_kind = block_kind
    x.period_start = period_start
    x.period_end = period_end
    x.heading = heading
    return doc
