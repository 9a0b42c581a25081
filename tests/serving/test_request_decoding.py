"""Request bodies of every content type the built-ins read, and the errors bad ones give."""

import io
import json

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.containers.media_types import InvocationError
from smemu.containers.request_decoding import decode_request
from smemu.formats import write_recordio_protobuf

ROWS = np.array([[1.5, 16.0, 14.0, 23.0], [0.0, -2.0, 3.25, 1e-3]], dtype=np.float32)


def refused(body, content_type):
    with pytest.raises(InvocationError) as info:
        decode_request(body, content_type)
    return info.value.status, str(info.value)


@pytest.mark.parametrize("content_type", ["text/csv", "Text/CSV; charset=utf-8",
                                          "text/csv;label_size=0"])
def test_csv_one_record_a_line(content_type):
    body = b"1.5,16.0,14.0,23.0\n0,-2,3.25,1e-3\n"
    np.testing.assert_array_equal(decode_request(body, content_type).features, ROWS)


def test_csv_with_label_size_1_drops_the_first_column():
    batch = decode_request(b"9,1.5,16.0,14.0,23.0\n", "text/csv; label_size=1")
    np.testing.assert_array_equal(batch.features, ROWS[:1])


def test_json_dense_instance_forms():
    body = json.dumps({"instances": [
        {"features": ROWS[0].tolist()},
        {"data": {"features": {"values": ROWS[1].tolist()}}}]}).encode()
    np.testing.assert_array_equal(decode_request(body, "application/json").features, ROWS)


def test_json_sparse_keys_and_shape_form():
    body = json.dumps({"instances": [
        {"data": {"features": {"keys": [26, 182], "shape": [2000], "values": [1, 2.5]}}},
        {"features": [0.0] * 1999 + [7.0]}]}).encode()
    features = decode_request(body, "application/json").features
    assert sp.issparse(features) and features.shape == (2, 2000)
    expected = np.zeros((2, 2000), np.float32)
    expected[0, 26], expected[0, 182], expected[1, 1999] = 1, 2.5, 7
    np.testing.assert_array_equal(features.toarray(), expected)


def test_jsonlines_one_instance_a_line():
    body = (json.dumps({"features": ROWS[0].tolist()}) + "\n\n"
            + json.dumps({"data": {"features": {"values": ROWS[1].tolist()}}}) + "\n").encode()
    np.testing.assert_array_equal(decode_request(body, "application/jsonlines").features, ROWS)


@pytest.mark.parametrize("rows", [ROWS, sp.csr_matrix(ROWS), ROWS.astype(np.float64)])
def test_recordio_protobuf_dense_and_sparse(rows):
    buffer = io.BytesIO()
    write_recordio_protobuf(buffer, rows)
    features = decode_request(buffer.getvalue(), "application/x-recordio-protobuf").features
    dense = features.toarray() if sp.issparse(features) else features
    np.testing.assert_array_equal(dense, ROWS)


def test_unsupported_and_missing_content_types_are_415():
    status, message = refused(b"1,2", "image/png")
    assert status == 415 and "'image/png'" in message and "text/csv" in message
    assert refused(b"1,2", None)[0] == 415


@pytest.mark.parametrize("body, content_type, words", [
    (b"1,2,3\n4,5\n", "text/csv", "Line 2 of file <request body>"),
    (b"1,2,x\n", "text/csv", "Line 1, column 3"),
    (b"1,2\n", "text/csv;label_size=3", "label_size must be 0"),
    (b"{not json", "application/json", "not valid JSON"),
    (b'[[1, 2]]', "application/json", '{"instances": [...]}'),
    (b'{"instances": [{"features": [1, 2]}, {"features": [1, "a"]}]}', "application/json",
     'instances[1] of the request body: "features" must be a list of numbers'),
    (b'{"instances": [{"features": [1, 2]}, {"features": [1, 2, 3]}]}', "application/json",
     "instances[1] of the request body has 3 features but instances[0]"),
    (b'{"instances": [{"data": {"features": {"keys": [1], "values": [1]}}}]}',
     "application/json",
     'instances[0] of the request body is sparse (it has "keys"), so it needs "shape"'),
    (b'{"instances": [{"data": {"features": {"keys": [9], "shape": [4], "values": [1]}}}]}',
     "application/json", "instances[0] of the request body has key 9, outside its shape"),
    (b'{"instances": [{"values": [1, 2]}]}', "application/json",
     "instances[0] of the request body is not an instance"),
    (b'{"features": [1, 2]}\n{"features": [1, 2\n', "application/jsonlines",
     "line 2 of the request body is not valid JSON"),
    (b"\x00\x01garbage", "application/x-recordio-protobuf",
     "Record 0 (byte offset 0) of file <request body>"),
    (b"  \n", "text/csv", "body is empty"),
])
def test_unreadable_bodies_are_400_naming_the_record(body, content_type, words):
    status, message = refused(body, content_type)
    assert status == 400
    assert words in message
