"""FastUnion gives, to the bit, the matrix of the fitted vectoriser's own transform."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from pipeline.link.vectorise import FastUnion, _CharWords

TRAIN = [
    "Recycling rates rose across the county's household waste sites.",
    "New bus shelters and real-time information were installed on three routes.",
    "Carers received short breaks and a personal budget.",
    "The Family Hubs programme opened two further hubs in market towns.",
    "Road safety checks were carried out near 40 schools.",
]
TEXTS = [
    "Household waste recycling rose again.",
    "BUS SHELTERS  and\treal-time\n\ninformation",  # case and runs of white space
    "Carers' short breaks: ΑΣ ΣΑΣ, İstanbul\u00a0café",  # final sigma, dotted I, no-break space
    "a ab abc x",  # words shorter than the n-grams
    "",
    "   ",
    "Recycling recycling RECYCLING",  # one word three times
    "zzzz qqqq",  # nothing in the vocabulary
]


def _union(**char: object) -> FeatureUnion:
    union = FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")),
        ("char", TfidfVectorizer(**{"analyzer": "char_wb", "ngram_range": (3, 5),
                                    "sublinear_tf": True, **char})),
    ])
    return union.fit(TRAIN)


def _same(a: sparse.spmatrix, b: sparse.spmatrix) -> bool:
    a, b = sparse.csr_matrix(a), sparse.csr_matrix(b)
    return (a.shape == b.shape and np.array_equal(a.indptr, b.indptr)
            and np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data))


@pytest.mark.parametrize("char", [{}, {"max_features": 60}, {"lowercase": False},
                                  {"sublinear_tf": False, "norm": "l1"}])
def test_fast_union_is_the_vectoriser_transform(char: dict) -> None:
    union = _union(**char)
    fast = FastUnion(union)
    assert isinstance(fast.parts[1], _CharWords)
    assert _same(fast.transform(TEXTS), union.transform(TEXTS))
    assert _same(fast.transform(TEXTS[::-1]), union.transform(TEXTS[::-1]))  # cache warm
    assert _same(fast.transform(TEXTS[:1]), union.transform(TEXTS[:1]))


@pytest.mark.parametrize("char", [{"binary": True}, {"analyzer": "char"},
                                  {"preprocessor": str.upper}])
def test_other_shapes_are_left_to_scikit_learn(char: dict) -> None:
    union = _union(**char)
    fast = FastUnion(union)
    assert fast.parts is not None and not isinstance(fast.parts[1], _CharWords)
    assert _same(fast.transform(TEXTS), union.transform(TEXTS))


def test_a_weighted_union_is_transformed_whole() -> None:
    union = _union()
    union.set_params(transformer_weights={"word": 2.0, "char": 1.0})
    fast = FastUnion(union)
    assert fast.parts is None
    assert _same(fast.transform(TEXTS), union.transform(TEXTS))
