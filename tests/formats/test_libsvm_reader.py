"""text/libsvm read as XGBoost reads it: labels, optional weights, 1-based indices detected,
sparse rows, and bad lines named by line and column."""

from __future__ import annotations

import io

import numpy as np
import pytest

from smemu.algorithms.registry import descriptors
from smemu.formats import FormatError, read_libsvm, reader_for


def read(text, **kw):
    return list(read_libsvm(io.BytesIO(text.encode()), name="train.libsvm", **kw))


def test_one_based_indices_weights_and_blank_lines():
    batches = read("1:2 1:0.5 3:2\n\n0:0.5 2:-1\n1.5:1 4:7\n", batch_size=2)
    assert [len(b) for b in batches] == [2, 1]
    dense = np.vstack([b.features.toarray() for b in batches])
    np.testing.assert_array_equal(dense, [[0.5, 0, 2, 0], [0, -1, 0, 0], [0, 0, 0, 7]])
    np.testing.assert_array_equal(np.concatenate([b.labels for b in batches]), [1, 0, 1.5])
    np.testing.assert_array_equal(np.concatenate([b.weights for b in batches]), [2, 0.5, 1])
    assert batches[1].location(0) == "line 4 of file train.libsvm"


def test_zero_based_indices_stay_and_no_weights():
    (batch,) = read("1 0:1 2:3\n0 1:2\n")
    np.testing.assert_array_equal(batch.features.toarray(), [[1, 0, 3], [0, 2, 0]])
    assert batch.weights is None


@pytest.mark.parametrize("text, words", [
    ("1 1:2\nx 1:2\n", "Line 2, column 1 of file train.libsvm: the label 'x' is not a number"),
    ("1 1:2\n1 1:2 3\n", "Line 2, column 3 of file train.libsvm: '3' is not '<index>:<value>'"),
    ("1 a:2\n", "the index 'a' is not a non-negative integer"),
    ("1 1:y\n", "Line 1, column 2 of file train.libsvm: the value 'y' is not a number"),
])
def test_bad_lines_are_named(text, words):
    with pytest.raises(FormatError) as info:
        read(text)
    assert words in str(info.value)
    bad = []
    read(text, on_error=bad.append)       # validate collects them and reads on
    assert len(bad) == 1 and words in str(bad[0])


def test_content_types_that_select_it():
    for content_type in ("text/libsvm", "text/x-libsvm", "text/libsvm; charset=utf-8"):
        assert reader_for(content_type) is read_libsvm
    with pytest.raises(FormatError):
        reader_for("libsvm")          # XGBoost's short name: its channels alias it (below)
    xgboost = descriptors()["xgboost"]
    assert xgboost.content_type_of("train", "libsvm") == "text/libsvm"
    assert xgboost.content_type_of("train", "CSV; label_size=1") == "text/csv; label_size=1"
    assert xgboost.content_type_of("validation", None) == "text/libsvm"
    assert descriptors()["kmeans"].content_type_of("train", "csv") == "csv"


def test_ranking_query_ids():
    (batch,) = read("2 qid:1 1:0.5\n0 qid:1 2:1\n1 qid:2 1:3\n")
    np.testing.assert_array_equal(batch.qids, [1, 1, 2])
    np.testing.assert_array_equal(batch.features.toarray(), [[0.5, 0], [0, 1], [3, 0]])
    with pytest.raises(FormatError) as info:
        read("2 qid:1 1:0.5\n0 1:1\n")
    assert "Line 2" in str(info.value) and "no query id" in str(info.value)
