"""The one helper the claim-typing tests share: the type planmine gives one invented sentence.

Kept beside the tests (imported as ``claim_typing``, like ``browser``) so the class tests of
issue 18 read a sentence the same way, through the full spaCy pipeline and ``make_doc``.
"""

from __future__ import annotations

from datetime import date

from spacy.language import Language

from pipeline.nlp.pipeline import make_doc

#: The reporting period every invented sentence is read in (a financial year).
PERIOD = (date(2030, 4, 1), date(2031, 3, 31))


def claim_type(nlp: Language, text: str, heading: str = "", kind: str = "paragraph") -> str:
    """The claim type of ``text`` read as one block of ``kind`` under ``heading``."""
    doc = nlp(make_doc(nlp, text, *PERIOD, heading, kind))
    spans = list(doc.spans["claims"])
    assert len(spans) == 1, [s.text for s in spans]
    return str(spans[0]._.claim_type)
