"""text/csv as the built-in algorithms read it."""

import io

import numpy as np
import pytest

from smemu.formats import FormatError, read_csv


def batches(text, **kw):
    return list(read_csv(io.BytesIO(text.encode()), name="train.csv", **kw))


def test_label_first_column_and_batches():
    rows = "\n".join(f"{i},{i * 2},{i * 3}" for i in range(25)) + "\n"
    got = batches(rows, batch_size=10)
    assert [len(b) for b in got] == [10, 10, 5]
    assert got[1].labels[0] == 10 and got[1].features[0].tolist() == [20, 30]
    assert got[0].features.dtype == np.float32 and got[0].labels.dtype == np.float32
    assert got[2].location(1) == "line 22 of file train.csv"


def test_label_size_zero():
    (b,) = batches("1,2\n3,4\n", label_size=0)
    assert b.labels is None and b.features.tolist() == [[1, 2], [3, 4]]


def test_blank_lines_skipped_but_counted():
    (b,) = batches("1,2\n\n3,4\r\n")
    assert b.location(1) == "line 3 of file train.csv"


@pytest.mark.parametrize("text,line,column,words", [
    ("label,a,b\n1,2,3\n", 1, 1, "header"),
    ("1,2,3\n1,x,3\n", 2, 2, "'x'"),
    ("1,2,3\n1,,3\n", 2, 2, "empty"),
    ("1,2,3\n1,2\n", 2, None, "2 columns"),
])
def test_errors_name_line_and_column(text, line, column, words):
    with pytest.raises(FormatError) as e:
        batches(text)
    assert (e.value.line, e.value.column, e.value.source) == (line, column, "train.csv")
    assert words in str(e.value) and f"Line {line}" in str(e.value)


def test_only_label_column():
    with pytest.raises(FormatError):
        batches("1\n2\n")
