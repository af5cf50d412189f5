"""Extension attributes the planmine components write, registered in one place.

Every component imports :func:`register` so the attributes exist however the pipeline is
built. Results live on the Doc as span groups:

- ``doc.spans["money"]``: value, low, high, currency, approx, qualifier, per
- ``doc.spans["figures"]``: value, low, high, unit, approx, qualifier, measure
- ``doc.spans["dates"]``: date_start, date_end (``datetime.date``, inclusive), granularity,
  resolved
- ``doc.spans["claims"]``: one span per sentence, with claim_type

The Doc carries the reporting period (``doc._.period_start``/``period_end``) so that dates
without a year can be resolved, the window the document says it reports on
(``doc._.window_start``/``window_end``, when stated: it wins over the period for dates), and the innermost heading above its text (``doc._.heading``),
which can type a whole list of claims, and the kind of block the text came from
(``doc._.block_kind``: paragraph, bullet or table).
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

SPAN_ATTRS: dict[str, object] = {
    "value": None,
    "low": None,
    "high": None,
    "currency": None,
    "approx": False,
    "qualifier": "",
    "per": "",
    "unit": "",
    "measure": "",
    "date_start": None,
    "date_end": None,
    "granularity": "",
    "resolved": True,
    "claim_type": "other",
}

DOC_ATTRS: dict[str, object] = {
    "period_start": None,
    "period_end": None,
    "window_start": None,
    "window_end": None,
    "heading": "",
    "block_kind": "",
}


#: Key of :func:`doc_text`'s copy of the text in ``doc.user_data``.
TEXT_KEY = "planmine_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc and kept in ``doc.user_data``.

    Why: spaCy's ``Doc.text`` joins every token's text each time it is read, and four
    components read it per Doc. A Doc's text never changes (retokenising merges or splits
    tokens over the same characters), so the copy stays right.
    """
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


def register() -> None:
    """Create the extension attributes once (idempotent)."""
    for name, default in SPAN_ATTRS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    for name, default in DOC_ATTRS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register()
