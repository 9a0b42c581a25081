"""Every entry of smemu's table of the built-ins' own error words, as the failure file (hence
FailureReason) or the serving log shows it: the built-ins' words first, smemu's guidance after."""

from __future__ import annotations

import numpy as np
import pytest

from smemu.algorithms import builtin_errors
from smemu.algorithms.base import ModelArtifact
from smemu.containers.invocations import InvocationsApp

from optml import blobs, make_tree
from test_train_entrypoint import HP, run_container

CSV = {"train": {"ContentType": "text/csv;label_size=0"}}


def failure_of(tmp_path, hyperparameters, channels, rows=None, text=None):
    root = make_tree(tmp_path / "ml", hyperparameters, channels)
    if text is not None:
        (root / "input/data/train/part-00000").write_text(text)
    elif rows is not None:
        np.savetxt(root / "input/data/train/part-00000", rows, delimiter=",", fmt="%.6f")
    code, log, failure = run_container(root)
    assert code != 0 and failure is not None, log
    assert "Traceback" not in log
    return failure, log


def test_every_entry_cites_a_public_source():
    assert set(builtin_errors.TABLE) == {
        "MISSING_HYPERPARAMETER", "UNKNOWN_HYPERPARAMETER", "UNPARSABLE_CSV", "MISSING_VALUES",
        "INFINITE_VALUES", "NO_ITERATOR", "BAD_PAYLOAD", "FEATURE_DIMENSION"}
    for words in builtin_errors.TABLE.values():
        assert "GitHub" in words.source or "AWS developer guide" in words.source


def test_missing_hyperparameter(tmp_path):
    failure, _ = failure_of(tmp_path, {"feature_dim": "3"}, CSV, rows=blobs(30))
    assert failure.startswith(
        "ClientError: No value(s) were specified for 'k' which are required hyperparameter(s) "
        "(caused by ValidationError) ")
    assert "HyperParameters" in failure     # smemu's guidance follows


def test_unknown_hyperparameter(tmp_path):
    failure, _ = failure_of(tmp_path, dict(HP, mini_batch_siz="10"), CSV, rows=blobs(30))
    assert failure.startswith(
        "ClientError: Additional properties are not allowed ('mini_batch_siz' was unexpected) ")
    assert "Did you mean 'mini_batch_size'?" in failure


def test_unparsable_csv(tmp_path):
    lines = [",".join(repr(float(v)) for v in r) for r in blobs(30)]
    lines[6] = "1.0,oops,2.0"
    failure, _ = failure_of(tmp_path, HP, CSV, text="\n".join(lines) + "\n")
    assert failure.startswith(
        "ClientError: Unable to parse csv: rows 7-7, file /opt/ml/input/data/train/part-00000 ")
    assert "column 2" in failure and "'oops'" in failure


@pytest.mark.parametrize("value, words", [
    (float("nan"), "Found missing (NaN) values. Please remove any missing (NaN) values in the "
                   "input data."),
    (float("inf"), "Found infinite floating point values. Please remove any infinite floating "
                   "point values in the input data."),
])
def test_missing_and_infinite_values(tmp_path, value, words):
    rows = blobs(30).astype(np.float64)
    rows[4, 1] = value
    failure, _ = failure_of(tmp_path, HP, CSV, rows=rows)
    assert failure.startswith(f"ClientError: Unable to read data channel 'train'. {words} ")
    assert "line 5" in failure


def test_content_type_without_an_iterator(tmp_path):
    failure, _ = failure_of(tmp_path, HP, {"train": {"ContentType": "csv"}}, rows=blobs(30))
    assert failure.startswith(
        "ClientError: No iterator has been registered for ContentType ('csv', '1.0') ")


def test_bad_payload_body_and_feature_dimension_log(caplog):
    from smemu.algorithms.kmeans.inference import load_model
    model = load_model(ModelArtifact(arrays=[np.zeros((2, 30), np.float32)]))
    app = InvocationsApp(model, "kmeans")
    environ = {"PATH_INFO": "/invocations", "REQUEST_METHOD": "POST",
               "CONTENT_TYPE": "text/csv", "CONTENT_LENGTH": "8"}
    import io
    environ["wsgi.input"] = io.BytesIO(b"1,2,3,4\n")
    statuses = []
    with caplog.at_level("ERROR", logger="smemu.serving"):
        body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["400 Bad Request"]
    assert body == b"unable to evaluate payload provided"
    assert any(m.startswith(
        "Customer Error: The feature dimension of the input: 4 does not match the feature "
        "dimension of the model: 30. Please fix the input and try again.")
        for m in caplog.messages)
