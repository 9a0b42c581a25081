"""A corpus of broken training inputs, one per problem ``smemu validate`` finds, generated on the
fly: each case writes its data under a directory and says which job to run on it and where the
problem is."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp

from smemu.formats import write_recordio_protobuf
from smemu.formats.recordio import frame

KMEANS = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"
LINEAR = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
CSV0 = "text/csv;label_size=0"
PBR = None   # no ContentType: RecordIO-protobuf


def rows(n=30, width=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, width)).round(4).astype(np.float32)


def csv_text(matrix, labels=None) -> str:
    lines = []
    for i, row in enumerate(matrix):
        cells = ([f"{labels[i]:g}"] if labels is not None else []) + [f"{v:g}" for v in row]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text)
    else:
        path.write_bytes(text)
    return path


def replace_line(text: str, line: int, new: str) -> str:
    lines = text.split("\n")
    lines[line - 1] = new
    return "\n".join(lines)


def pbr_bytes(features, labels=None) -> bytes:
    import io
    buf = io.BytesIO()
    write_recordio_protobuf(buf, features, labels)
    return buf.getvalue()


def request(name: str, image: str, hyperparameters: dict, channels: list[tuple],
            mode: str = "File") -> dict:
    """channels: (name, relative uri, content type or None, extra channel members)."""
    out = []
    for ch in channels:
        cname, uri, content_type, *extra = ch
        entry = {"ChannelName": cname, "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}}}
        if content_type is not None:
            entry["ContentType"] = content_type
        if extra:
            entry.update(extra[0])
        out.append(entry)
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": mode},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "HyperParameters": dict(hyperparameters),
        "InputDataConfig": out,
        "OutputDataConfig": {"S3OutputPath": "out"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                           "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


KM_HP = {"k": "3", "feature_dim": "4", "mini_batch_size": "50"}
LL_HP = {"predictor_type": "binary_classifier", "feature_dim": "4", "epochs": "1",
         "mini_batch_size": "50", "num_models": "2"}


@dataclass
class Case:
    """One broken input. ``build(root)`` writes the data and returns the request; the problem is
    ``kind`` with ``words`` in its message, in ``file`` (as the container names it) at ``line`` or
    ``record``/``offset``."""

    name: str
    build: Callable[[Path], dict]
    kind: str
    words: str
    file: str | None = None
    line: int | None = None
    record: int | None = None
    offset: int | None = None
    extra: dict = field(default_factory=dict)


def _kmeans_csv(text: str, hp=None, content_type=CSV0, file="part-0.csv"):
    def build(root: Path) -> dict:
        write(root / "train" / file, text)
        return request("validate-case", KMEANS, {**KM_HP, **(hp or {})},
                       [("train", "train/", content_type)])
    return build


def _kmeans_pbr(data: bytes, hp=None):
    def build(root: Path) -> dict:
        write(root / "train" / "part-0.pbr", data)
        return request("validate-case", KMEANS, {**KM_HP, **(hp or {})}, [("train", "train/", PBR)])
    return build


def _linear_csv(text: str, hp=None, content_type="text/csv"):
    def build(root: Path) -> dict:
        write(root / "train" / "part-0.csv", text)
        return request("validate-case", LINEAR, {**LL_HP, **(hp or {})},
                       [("train", "train/", content_type)])
    return build


def _labelled(n=30, classes=2, seed=1):
    x = rows(n, seed=seed)
    y = (np.arange(n) % classes).astype(np.float32)
    return x, y


_CLEAN = csv_text(rows())
_X, _Y = _labelled()
_LL_CLEAN = csv_text(_X, _Y)
_GOOD_PBR = pbr_bytes(rows(10))
# record 3 is not a Record protobuf; the records around it are fine
_UNDECODABLE = (pbr_bytes(rows(3)) + frame(b"\xff\xff\xff\xff not a protobuf")
                + pbr_bytes(rows(2, seed=3)))
_MIXED = pbr_bytes(rows(4)) + pbr_bytes(sp.csr_matrix(rows(1, seed=2)))
_FIRST_FOUR_RECORDS = len(pbr_bytes(rows(4)))
_THREE_RECORDS = len(pbr_bytes(rows(3)))

TRAIN = "/opt/ml/input/data/train/"

CASES = [
    Case("csv-header-row", _kmeans_csv("a,b,c,d\n" + _CLEAN), "data",
         "the value is 'a', not a number (text/csv data has no header row)",
         file=TRAIN + "part-0.csv", line=1),
    Case("csv-ragged-row", _kmeans_csv(replace_line(_CLEAN, 5, "1,2,3")), "data",
         "the line has 3 columns but the lines before it have 4", file=TRAIN + "part-0.csv",
         line=5),
    Case("csv-non-numeric-cell", _kmeans_csv(replace_line(_CLEAN, 7, "1,x,3,4")), "data",
         "Line 7, column 2 of file /opt/ml/input/data/train/part-0.csv: the value is 'x', not a "
         "number", file=TRAIN + "part-0.csv", line=7),
    Case("csv-nan", _kmeans_csv(replace_line(_CLEAN, 4, "1,nan,3,4")), "data",
         "Unable to read data channel 'train'. Found missing (NaN) values. Please remove any "
         "missing (NaN) values in the input data. The first is at line 4 of file "
         "/opt/ml/input/data/train/part-0.csv", file=TRAIN + "part-0.csv", line=4),
    Case("csv-infinite", _kmeans_csv(replace_line(_CLEAN, 9, "1,2,-inf,4")), "data",
         "Found infinite floating point values. Please remove any infinite floating point values "
         "in the input data. The first is at line 9 of file", file=TRAIN + "part-0.csv", line=9),
    Case("csv-width-vs-feature-dim", _kmeans_csv(_CLEAN, hp={"feature_dim": "5"}), "data",
         "The feature dimension of the input in channel 'train' (4, at line 1 of file "
         "/opt/ml/input/data/train/part-0.csv) does not match the feature_dim hyperparameter (5)",
         file=TRAIN + "part-0.csv", line=1),
    Case("csv-label-size-0-for-supervised",
         _linear_csv(_LL_CLEAN, hp={"feature_dim": "auto"}, content_type=CSV0), "data",
         "Channel 'train' has no labels (at line 1 of file /opt/ml/input/data/train/part-0.csv)",
         file=TRAIN + "part-0.csv", line=1),
    Case("label-outside-binary", _linear_csv(replace_line(_LL_CLEAN, 3, "2,1,2,3,4")), "data",
         "has label 2.0 at line 3 of file /opt/ml/input/data/train/part-0.csv; the label must be "
         "0 or 1 for predictor_type='binary_classifier'", file=TRAIN + "part-0.csv", line=3),
    Case("label-outside-num-classes",
         _linear_csv(replace_line(csv_text(*_labelled(classes=3)), 6, "3,1,2,3,4"),
                     hp={"predictor_type": "multiclass_classifier", "num_classes": "3"}), "data",
         "has label 3.0 at line 6 of file /opt/ml/input/data/train/part-0.csv; the label must be "
         "an integer from 0 to 2", file=TRAIN + "part-0.csv", line=6),
    Case("regression-label-nan",
         _linear_csv(replace_line(_LL_CLEAN, 2, "nan,1,2,3,4"), hp={"predictor_type": "regressor"}),
         "data", "has label nan at line 2 of file", file=TRAIN + "part-0.csv", line=2),
    Case("too-few-rows-for-k", _kmeans_csv(csv_text(rows(4)), hp={"k": "5"}), "data",
         "Channel 'train' has 4 records, fewer than k=5 clusters"),
    Case("empty-channel", _kmeans_csv(""), "data", "Channel 'train' has no records"),
    Case("recordio-width-vs-feature-dim", _kmeans_pbr(_GOOD_PBR, hp={"feature_dim": "6"}), "data",
         "(4, at record 0 (byte offset 0) of file /opt/ml/input/data/train/part-0.pbr) does not "
         "match the feature_dim hyperparameter (6)", file=TRAIN + "part-0.pbr", record=0, offset=0),
    Case("recordio-dense-mixed-with-sparse", _kmeans_pbr(_MIXED), "data",
         "Record 4 (byte offset %d) of file /opt/ml/input/data/train/part-0.pbr: the record is "
         "sparse but the records before it are dense" % _FIRST_FOUR_RECORDS,
         file=TRAIN + "part-0.pbr", record=4, offset=_FIRST_FOUR_RECORDS),
    Case("recordio-undecodable-record", _kmeans_pbr(_UNDECODABLE), "data",
         "Record 3 (byte offset %d) of file /opt/ml/input/data/train/part-0.pbr: the record is not "
         "a valid aialgs.data Record protobuf" % _THREE_RECORDS,
         file=TRAIN + "part-0.pbr", record=3, offset=_THREE_RECORDS),
    Case("recordio-truncated", _kmeans_pbr(_GOOD_PBR[:-10]), "data",
         "but the file ends", file=TRAIN + "part-0.pbr", record=9),
    Case("recordio-bad-magic", _kmeans_pbr(_GOOD_PBR[:64] + b"\x01\x02\x03\x04" * 4
                                           + _GOOD_PBR[64:]),
         "data", "expected the RecordIO magic number 0xced7230a", file=TRAIN + "part-0.pbr"),
    Case("recordio-labels-missing-for-supervised",
         lambda root: request("validate-case", LINEAR, LL_HP, [("train", "train/", PBR)])
         if write(root / "train" / "part-0.pbr", _GOOD_PBR) else None, "data",
         "Channel 'train' has no labels (at record 0 (byte offset 0) of file "
         "/opt/ml/input/data/train/part-0.pbr)", file=TRAIN + "part-0.pbr", record=0, offset=0),
    Case("bad-hyperparameter", _kmeans_csv(_CLEAN, hp={"k": "three"}), "hyperparameters",
         "Invalid value 'three' for hyperparameter 'k': expected a positive integer."),
    Case("unknown-content-type", _kmeans_csv(_CLEAN, content_type="application/json"), "channel",
         "No iterator has been registered for ContentType ('application/json', '1.0') on the "
         "'train' channel"),
    Case("unexpected-channel",
         lambda root: request("validate-case", KMEANS, KM_HP,
                              [("train", "train/", CSV0), ("validation", "train/", CSV0)])
         if write(root / "train" / "part-0.csv", _CLEAN) else None, "channel",
         "Additional properties are not allowed ('validation' was unexpected)"),
    Case("no-objects-under-prefix",
         lambda root: request("validate-case", KMEANS, KM_HP, [("train", "nothing-here/", CSV0)]),
         "channel", "No S3 objects found under S3 URL"),
]


def with_request(case_request: dict, **changes) -> dict:
    out = copy.deepcopy(case_request)
    out.update(changes)
    return out
