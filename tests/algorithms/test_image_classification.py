"""Image classification: im2rec RecordIO and .lst reading, the reference model's quality on
coloured shapes, serving a real PNG/JPEG, and ``smemu validate`` naming each broken input where
it is (the common algorithm test trains and serves both channel forms too)."""

from __future__ import annotations

import io
import json
import re
import struct

import numpy as np
import pytest

from smemu.algorithms.image_classification import sample as ic_sample
from smemu.algorithms.image_classification.artifact import read_model_files
from smemu.algorithms.registry import get_descriptor
from smemu.containers.artifacts import read_model
from smemu.emulator.validation import validate_request
from smemu.formats import FormatError
from smemu.formats.images import IR_FORMAT, pack_header, read_image_recordio, read_lst
from smemu.formats.recordio import frame

from image_jobs import request, run, serve, unpack
from training_helpers import invoke

ALGORITHM = "image-classification"


def _shapes(seed, count):
    return ic_sample.shapes(np.random.default_rng(seed), count)


def _request(tmp_path, channels: dict, hyperparameters: dict, mode="File"):
    return request(tmp_path, ALGORITHM, channels, hyperparameters, mode)


def _hp(train_count, **more):
    return {**ic_sample.HYPERPARAMETERS, "num_training_samples": str(train_count), **more}


# formats ------------------------------------------------------------------------------------

def test_im2rec_records_read_back_with_their_labels_and_pixels():
    encoded, labels = _shapes(1, 6)
    data = ic_sample.recordio(encoded, labels)
    batches = list(read_image_recordio(io.BytesIO(data), batch_size=4, name="train.rec"))
    assert [len(b) for b in batches] == [4, 2]
    got = np.concatenate([b.labels for b in batches])
    np.testing.assert_array_equal(got, labels)
    first = batches[0].features[0, 0]
    assert first.shape == (32, 32, 3) and first.dtype == np.uint8
    # the IRHeader is MXNet's: 24 bytes "IfQQ", flag 0 for one label
    assert struct.calcsize(IR_FORMAT) == 24
    assert struct.unpack_from(IR_FORMAT, pack_header(2.0, 7)) == (0, 2.0, 7, 0)
    # flag k: k float32 labels follow the header
    multi = frame(pack_header([1.0, 0.0, 1.0], 3) + encoded[0])
    (batch,) = read_image_recordio(io.BytesIO(multi), name="m.rec")
    np.testing.assert_array_equal(batch.labels, [[1.0, 0.0, 1.0]])


def test_undecodable_record_is_named_by_record_and_offset():
    encoded, labels = _shapes(2, 3)
    records = [frame(pack_header(0.0, 0) + encoded[0]), frame(pack_header(1.0, 1) + b"not a png"),
               frame(pack_header(2.0, 2) + encoded[2])]
    with pytest.raises(FormatError) as caught:
        list(read_image_recordio(io.BytesIO(b"".join(records)), name="train.rec"))
    assert caught.value.record == 1 and caught.value.offset == len(records[0])
    assert "Record 1 (byte offset" in str(caught.value) and "train.rec" in str(caught.value)


def test_lst_lines_are_checked_for_columns_index_and_labels():
    text = b"0\t1.0\ta.png\n1\t2.0\n2\tcat\tb.png\nx\t1\tc.png\n4\t0\t1\td.png\n"
    problems = []
    rows = list(read_lst(io.BytesIO(text), "train.lst", on_error=problems.append))
    assert [(r[0], r[2], r[3]) for r in rows] == [(1, [1.0], "a.png"), (5, [0.0, 1.0], "d.png")]
    assert [p.line for p in problems] == [2, 3, 4]
    assert "2 tab-separated column" in problems[0].problem
    assert "'cat' is not a number" in problems[1].problem and problems[1].column == 2
    assert "index 'x'" in problems[2].problem


# training and serving -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("ic")
    train, train_labels = _shapes(3, 120)
    valid, valid_labels = _shapes(4, 60)
    job = _request(tmp_path, {
        "train": ("application/x-recordio", {"train.rec": ic_sample.recordio(train, train_labels)}),
        "validation": ("application/x-recordio",
                       {"v.rec": ic_sample.recordio(valid, valid_labels)}),
    }, _hp(len(train)))
    record, lines = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    model_dir, names = unpack(tmp_path, record)
    return model_dir, names, lines, record


def test_model_tar_holds_the_real_file_names(trained):
    model_dir, names, lines, _record = trained
    # the params are named by the checkpoint's epoch (1-based), the best validation epoch
    best = max(range(15), key=lambda e: (float(re.findall(
        rf"Epoch\[{e}\] Validation-accuracy=(\S+)", "\n".join(lines))[0]), -e))
    assert sorted(names) == sorted(["image-classification-symbol.json", "model-shapes.json",
                                    f"image-classification-{best + 1:04d}.params"])
    shapes = json.loads((model_dir / "model-shapes.json").read_text())
    assert shapes == [{"shape": [1, 3, 32, 32], "name": "data"}]
    symbol = json.loads((model_dir / "image-classification-symbol.json").read_text())
    assert [n["op"] for n in symbol["nodes"]][-1] == "SoftmaxOutput"


def test_log_prints_accuracy_per_epoch_and_says_it_is_a_reference_model(trained):
    _model_dir, _names, lines, record = trained
    log = "\n".join(lines)
    assert "reference model" in log
    validation = [float(v) for v in
                  re.findall(r"Epoch\[\d+\] Validation-accuracy=(\S+)", log)]
    assert len(validation) == 15
    # chance is 1/3: the reference model must clearly beat it on images it never saw
    assert max(validation) > 0.75, validation
    final = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert final["validation:accuracy"] == pytest.approx(validation[-1], abs=1e-6)


def test_endpoint_answers_class_probabilities_for_png_and_jpeg(trained, caplog):
    model_dir, *_ = trained
    app = serve(model_dir, ALGORITHM)
    rng = np.random.default_rng(11)
    right = 0
    for label in (0, 1, 2, 0, 1, 2):
        for fmt, content_type in (("PNG", "image/png"), ("JPEG", "image/jpeg"),
                                  ("PNG", "application/x-image")):
            body = ic_sample.shape_image(rng, label, side=48, fmt=fmt)   # not the train size
            status, answer = invoke(app, body, content_type)
            assert status == 200, answer
            probabilities = json.loads(answer)
            assert len(probabilities) == 3 and sum(probabilities) == pytest.approx(1, abs=1e-5)
            right += int(np.argmax(probabilities) == label)
    assert right >= 13, f"{right} of 18 served images classified right"
    status, answer = invoke(app, b"not an image", "image/jpeg")
    # the built-ins' bare 400 body; what is wrong goes to the serving log
    assert status == 400 and answer == b"unable to evaluate payload provided"
    assert "cannot be decoded" in caplog.text
    status, _ = invoke(app, b"1,2,3", "text/csv")
    assert status == 415


def test_params_reproduce_the_served_model(trained):
    """The .params hold the model the endpoint serves (weights on 0-255 pixels)."""
    model_dir, *_ = trained
    d = get_descriptor("image-classification")
    artifact = read_model(model_dir, "/opt/ml/model", d.model_files)
    weight, bias, image_shape, multi_label = read_model_files(artifact.files)
    assert weight.shape == (3, 192) and bias.shape == (3,) and not multi_label
    assert image_shape == (3, 32, 32)


# validate -----------------------------------------------------------------------------------

def _listed_channels(train, labels, broken_lst: bytes | None = None, extra=None):
    names = [f"c{int(label)}/{i}.png" for i, label in enumerate(labels)]
    lst = broken_lst if broken_lst is not None else ic_sample.listing(labels, names)
    images = dict(zip(names, train))
    images.update(extra or {})
    return names, {"train": ("application/x-image", images),
                   "train_lst": ("application/x-image", {"train.lst": lst})}


def test_validate_names_each_broken_lst_line_and_image(tmp_path):
    train, labels = _shapes(5, 12)
    names = [f"c{int(label)}/{i}.png" for i, label in enumerate(labels)]
    lines = ic_sample.listing(labels, names).decode().splitlines()
    lines[1] = "1\t1.0"                                  # line 2: two columns
    lines[3] = lines[3].replace(names[3], "gone.png")    # line 4: missing image
    lines[5] = f"5\t7.0\t{names[5]}"                     # line 6: class 7 with num_classes=3
    lines[7] = "7\t1.0\tbroken.png"                      # line 8: not an image
    lines[9] = "9\t1.0\ttiny.png"                        # line 10: smaller than image_shape
    tiny = io.BytesIO()
    from PIL import Image
    Image.new("RGB", (8, 8), (255, 0, 0)).save(tiny, format="PNG")
    _, channels = _listed_channels(train, labels, ("\n".join(lines) + "\n").encode(),
                                   {"broken.png": b"GIF89a garbage", "tiny.png": tiny.getvalue()})
    valid, valid_labels = _shapes(6, 6)
    channels["validation"] = ("application/x-recordio",
                              {"v.rec": ic_sample.recordio(valid, valid_labels)})
    job = _request(tmp_path, channels, _hp(12))
    report = validate_request(job, base_dir=str(tmp_path))
    found = {(p.channel, p.file, p.line): p.message for p in report.problems}
    lst = "/opt/ml/input/data/train_lst/train.lst"
    assert sorted(line for _c, _f, line in found) == [2, 4, 6, 8, 10], report.problems
    assert all(c == "train" and f == lst for c, f, _l in found)
    assert "column" in found[("train", lst, 2)]
    assert "gone.png" in found[("train", lst, 4)] and "does not exist" in found[("train", lst, 4)]
    assert "label [7.0]" in found[("train", lst, 6)] or "label 7.0" in found[("train", lst, 6)]
    assert "cannot be decoded" in found[("train", lst, 8)]
    assert "smaller than image_shape" in found[("train", lst, 10)]
    # counts against num_training_samples: 7 images read, 12 declared
    assert any("num_training_samples is 12" in note for note in report.notes)

    # training stops at the first of them, in the same words
    record, _ = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Failed"
    assert found[("train", lst, 2)] in record["FailureReason"]


def test_validate_names_a_bad_label_in_a_recordio_record(tmp_path):
    encoded, labels = _shapes(7, 6)
    labels[4] = 3.0
    channels = {"train": ("application/x-recordio",
                          {"train.rec": ic_sample.recordio(encoded, labels)}),
                "validation": ("application/x-recordio",
                               {"v.rec": ic_sample.recordio(encoded[:3], labels[:3] % 3)})}
    report = validate_request(_request(tmp_path, channels, _hp(6)), base_dir=str(tmp_path))
    (problem,) = report.problems
    assert problem.channel == "train" and problem.record == 4
    assert "num_classes=3" in problem.message


def test_hyperparameters_required_and_ranges():
    schema = get_descriptor("image-classification").schema
    problems = {p.name: str(p) for p in schema.problems({"image_shape": "3,224"})}
    assert "num_classes" in problems and "required" in problems["num_classes"]
    assert "image_shape" in problems
    problems = {p.name: str(p) for p in schema.problems(
        {"num_classes": "2", "num_training_samples": "10", "num_layers": "17",
         "learning_rate": "2", "optimizer": "adagrad"})}
    assert set(problems) == {"num_layers", "learning_rate", "optimizer"}


def test_pipe_mode_refuses_listed_images(tmp_path):
    train, labels = _shapes(8, 6)
    _, channels = _listed_channels(train, labels)
    channels["validation"] = channels["train"]
    del channels["train_lst"]
    report = validate_request(_request(tmp_path, channels, _hp(6), mode="Pipe"),
                              base_dir=str(tmp_path))
    assert any("Pipe mode reads application/x-recordio" in p.message for p in report.problems)


def test_pipe_mode_trains_on_im2rec_recordio(tmp_path):
    train, labels = _shapes(9, 60)
    valid, valid_labels = _shapes(10, 30)
    job = _request(tmp_path, {
        "train": ("application/x-recordio", {"a.rec": ic_sample.recordio(train[:30], labels[:30]),
                                             "b.rec": ic_sample.recordio(train[30:], labels[30:])}),
        "validation": ("application/x-recordio", {"v.rec": ic_sample.recordio(valid, valid_labels)}),
    }, _hp(60, epochs="5"), mode="Pipe")
    record, lines = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    final = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert final["validation:accuracy"] > 0.7
    assert not any("but the train channel holds" in line for line in lines)   # 60 and 60
