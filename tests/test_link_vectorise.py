"""FastUnion gives, to the bit, the matrix of the fitted vectoriser's own transform."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from pipeline.link.vectorise import FastUnion, _CharWords, _GramCodes, _WordGrams

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


def _union(word: dict | None = None, **char: object) -> FeatureUnion:
    union = FeatureUnion([
        ("word", TfidfVectorizer(**{"ngram_range": (1, 2), "sublinear_tf": True,
                                    "stop_words": "english", **(word or {})})),
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


@pytest.mark.parametrize("char", [{}, {"max_features": 60}, {"lowercase": False},
                                  {"ngram_range": (1, 2)}, {"ngram_range": (6, 7)}])
def test_char_ngrams_as_numbers_are_the_strings(char: dict) -> None:
    """The n-grams cut and looked up as numbers (:class:`_GramCodes`) count as the strings do
    (the path kept for a vocabulary whose numbers would not fit in 64 bits): characters
    outside the vocabulary, words shorter than the n-grams, n-grams of one character."""
    union = _union(**char)
    texts = TEXTS + TRAIN + ["x y zz \u00e9t\u00e9 " + "w" * 12]
    by_numbers, by_strings = FastUnion(union), FastUnion(union)
    assert by_numbers.parts[1].codes is not None
    by_strings.parts[1].codes = None
    got = by_numbers.transform(texts)
    assert _same(got, by_strings.transform(texts)) and _same(got, union.transform(texts))


def test_gram_codes_are_not_used_when_they_would_not_fit() -> None:
    vocabulary = {chr(0x4E00 + k) * 2: k for k in range(300)}  # 300 characters, n-grams of 2
    assert _GramCodes.usable(vocabulary, 7) and not _GramCodes.usable(vocabulary, 8)
    assert not _GramCodes.usable({"abcd": 0}, 3)  # an n-gram longer than the longest cut


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


@pytest.mark.parametrize("word", [{}, {"max_features": 20}, {"lowercase": False},
                                  {"stop_words": None}, {"ngram_range": (1, 1)},
                                  {"ngram_range": (2, 3)}, {"ngram_range": (1, 3), "norm": "l1"},
                                  {"token_pattern": r"(?u)\b\w+\b", "sublinear_tf": False},
                                  {"stop_words": ["the", "and", "were"]}])
def test_word_part_is_the_vectorisers_own(word: dict) -> None:
    union = _union(word)
    fast = FastUnion(union)
    assert isinstance(fast.parts[0], _WordGrams)
    vec = union.transformer_list[0][1]
    analyse = vec.build_analyzer()
    for text in TEXTS + TRAIN:
        assert fast.parts[0].grams(text) == analyse(text)
    assert _same(fast.transform(TEXTS + TRAIN), union.transform(TEXTS + TRAIN))


@pytest.mark.parametrize("word", [{"binary": True}, {"tokenizer": str.split},
                                  {"strip_accents": "unicode"}])
def test_other_word_parts_are_left_to_scikit_learn(word: dict) -> None:
    union = _union(word)
    fast = FastUnion(union)
    assert fast.parts is not None and not isinstance(fast.parts[0], _WordGrams)
    assert _same(fast.transform(TEXTS), union.transform(TEXTS))
