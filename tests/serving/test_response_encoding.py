"""Responses in each Accept type, shaped as the built-in containers shape them."""

import io
import json

import numpy as np

from smemu.containers.response_encoding import encode_response
from smemu.formats import read_recordio
from smemu.proto import record_pb2

OUTPUTS = {"closest_cluster": np.array([1, 0], np.float32),
           "distance_to_cluster": np.array([3.0, 23.40593910217285], np.float32)}


def test_json_is_predictions_with_float_values_and_default_spacing():
    body = encode_response(OUTPUTS, "application/json")
    assert body == (b'{"predictions": [{"closest_cluster": 1.0, "distance_to_cluster": 3.0}, '
                    b'{"closest_cluster": 0.0, "distance_to_cluster": 23.40593910217285}]}')


def test_float32_values_are_written_exactly_as_python_floats():
    score = np.float32(0.9999716281890869)
    body = encode_response({"score": np.array([score]), "predicted_label": np.array([1.0])},
                           "application/json")
    assert body == b'{"predictions": [{"score": 0.9999716281890869, "predicted_label": 1.0}]}'


def test_lists_per_record_for_multiclass_scores():
    body = encode_response({"score": np.array([[0.25, 0.75]], np.float32),
                            "predicted_label": np.array([1], np.float32)}, "application/json")
    assert json.loads(body) == {"predictions": [{"score": [0.25, 0.75], "predicted_label": 1.0}]}


def test_jsonlines_is_one_object_a_line():
    lines = encode_response(OUTPUTS, "application/jsonlines").decode().split("\n")
    assert lines == ['{"closest_cluster": 1.0, "distance_to_cluster": 3.0}',
                     '{"closest_cluster": 0.0, "distance_to_cluster": 23.40593910217285}']


def test_csv_is_the_outputs_of_a_record_a_line():
    assert encode_response(OUTPUTS, "text/csv") == b"1.0,3.0\n0.0,23.40593910217285"


def test_recordio_protobuf_is_a_record_per_row_with_outputs_in_label():
    body = encode_response(OUTPUTS, "application/x-recordio-protobuf")
    records = []
    for payload, _ in read_recordio(io.BytesIO(body)):
        record = record_pb2.Record()
        record.ParseFromString(payload)
        records.append(record)
    assert len(records) == 2
    for row, record in enumerate(records):
        assert len(record.features) == 0
        assert set(record.label) == set(OUTPUTS)
        for name, values in OUTPUTS.items():
            tensor = record.label[name]
            assert tensor.WhichOneof("value") == "float32_tensor"
            assert list(tensor.float32_tensor.values) == [float(values[row])]


def test_recordio_protobuf_records_equal_the_protobuf_modules_own():
    outputs = {"score": np.array([[0.25, 0.5, 0.25], [0.1, 0.1, 0.8]], np.float32),
               "predicted_label": np.array([1, 2], np.float32)}
    payloads = [p for p, _ in read_recordio(io.BytesIO(
        encode_response(outputs, "application/x-recordio-protobuf")))]
    for row, payload in enumerate(payloads):
        expected = record_pb2.Record()
        for name, values in outputs.items():
            expected.label[name].float32_tensor.values.extend(np.atleast_1d(values[row]))
        parsed = record_pb2.Record()
        parsed.ParseFromString(payload)
        assert parsed == expected
        assert len(payload) == len(expected.SerializeToString())
    assert len(payloads) == 2
