"""Semantic segmentation: masks paired with images by base name, label maps (scale, map), the
reference segmenter's mIOU on unseen scenes, the served PNG mask and RecordIO-protobuf
probabilities, and ``smemu validate`` naming each broken mask by its file."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest

from smemu.algorithms.semantic_segmentation import sample as ss_sample
from smemu.algorithms.semantic_segmentation.pixels import scores
from smemu.emulator.validation import validate_request
from smemu.formats import FormatError
from smemu.formats.masks import UNMAPPED, label_table
from smemu.formats.recordio import read_recordio
from smemu.proto.record_pb2 import Record

from image_jobs import request, run, serve, unpack
from training_helpers import invoke

ALGORITHM = "semantic-segmentation"


def _request(tmp_path, channels, hyperparameters):
    return request(tmp_path, ALGORITHM, channels, hyperparameters)


def _png(array, mode="L"):
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode).save(out, format="PNG")
    return out.getvalue()


def _channels(scenes, prefix, label="image/jpeg"):
    return ({f"{prefix}{i}.jpg": s[0] for i, s in enumerate(scenes)},
            {f"{prefix}{i}.png": s[1] for i, s in enumerate(scenes)})


def test_label_maps_as_the_developer_guide_describes_them():
    # scale 3: values 0, 3, 6 are classes 0, 1, 2; 255 stays ignored
    table = label_table(b'{"scale": "3"}')
    assert table[[0, 3, 6, 7, 255]].tolist() == [0, 1, 2, 2, 255]
    # map: class "0" is value 5, "1" is 0, "2" is 2 -> values [0, 5, 2] are classes [1, 0, 2]
    table = label_table(b'{"map": {"0": 5, "1": 0, "2": 2}}')
    assert table[[0, 5, 2]].tolist() == [1, 0, 2] and table[9] == UNMAPPED
    assert label_table(None)[[0, 1, 200]].tolist() == [0, 1, 200]
    with pytest.raises(FormatError, match="neither a positive"):
        label_table(b'{"scale": "0"}', "train_label_map.json")


def test_scores_hand_worked():
    truth = np.array([0, 0, 1, 1, 255])
    predicted = np.array([0, 1, 1, 1, 0])
    miou, accuracy = scores(predicted, truth, 2)
    assert accuracy == pytest.approx(3 / 4)              # the ignored pixel is not counted
    assert miou == pytest.approx((1 / 2 + 2 / 3) / 2)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("ss")
    rng = np.random.default_rng(31)
    train = [ss_sample.scene(rng) for _ in range(30)]
    valid = [ss_sample.scene(rng) for _ in range(15)]
    # the train masks are stored scaled by 100 (0, 100, 200), with a label map that says so
    scaled = [(s[0], _png(s[2] * 100), s[2]) for s in train]
    images, masks = _channels(scaled, "t")
    v_images, v_masks = _channels(valid, "v")
    job = _request(tmp_path, {
        "train": ("image/jpeg", images), "train_annotation": ("image/png", masks),
        "validation": ("image/jpeg", v_images), "validation_annotation": ("image/png", v_masks),
        "label_map": ("application/json", {"train_label_map.json": b'{"scale": "100"}'})},
        {**ss_sample.HYPERPARAMETERS, "num_training_samples": "30"})
    record, lines = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    return tmp_path, record, lines


def test_reference_segmenter_beats_the_background_guess(trained):
    _tmp, record, lines = trained
    log = "\n".join(lines)
    assert "reference segmenter" in log
    mious = [float(v) for v in re.findall(r"validation mIOU <score>=(\S+)", log)]
    accuracies = [float(v) for v in
                  re.findall(r"validation pixel_accuracy <score>=(\S+)", log)]
    assert len(mious) == len(accuracies) == 6
    # all background: pixel accuracy about 0.85 but mIOU about 0.28 (one class of three)
    assert max(mious) > 0.7, mious
    final = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert set(final) >= {"validation:mIOU", "validation:pixel_accuracy", "train:loss"}


def test_endpoint_answers_a_png_mask_and_protobuf_probabilities(trained):
    from PIL import Image

    tmp_path, record, _ = trained
    model_dir, names = unpack(tmp_path, record)
    assert sorted(names) == ["hyperparams.json", "model_algo-1"]
    assert json.loads((model_dir / "hyperparams.json").read_text())["num_classes"] == "3"
    app = serve(model_dir, ALGORITHM)
    jpeg, _png_mask, truth = ss_sample.scene(np.random.default_rng(99), side=64)
    status, answer = invoke(app, jpeg, "image/jpeg", accept="image/png")
    assert status == 200, answer
    with Image.open(io.BytesIO(answer)) as mask:
        assert mask.format == "PNG" and mask.mode == "L" and mask.size == (64, 64)
        predicted = np.asarray(mask)
    assert scores(predicted.ravel(), truth.ravel().astype(np.int64), 3)[0] > 0.6
    status, answer = invoke(app, jpeg, "image/jpeg", accept="application/x-recordio-protobuf")
    assert status == 200
    ((payload, _),) = list(read_recordio(io.BytesIO(answer)))
    rec = Record()
    rec.ParseFromString(payload)
    shape = list(rec.features["shape"].int32_tensor.values)
    values = np.asarray(rec.features["target"].float32_tensor.values).reshape(shape)
    assert shape == [1, 3, 64, 64]
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(values[0].argmax(axis=0), predicted)
    status, _ = invoke(app, jpeg, "image/jpeg", accept="application/json")
    assert status == 406


def test_validate_names_each_broken_mask(tmp_path):
    rng = np.random.default_rng(41)
    scenes = [ss_sample.scene(rng) for _ in range(6)]
    images, masks = _channels(scenes, "t")
    masks["t1.png"] = _png(np.zeros((40, 48)))                       # size differs
    masks["t2.png"] = _png(np.full((48, 48), 7))                      # class 7 of 3
    masks["t3.png"] = _png(np.zeros((48, 48, 3)), "RGB")              # not single-channel
    masks["t9.png"] = masks["t0.png"]                                 # no image t9.jpg
    v_images, v_masks = _channels(scenes[:2], "v")
    job = _request(tmp_path, {
        "train": ("image/jpeg", images), "train_annotation": ("image/png", masks),
        "validation": ("image/jpeg", v_images), "validation_annotation": ("image/png", v_masks)},
        {**ss_sample.HYPERPARAMETERS, "num_training_samples": "6"})
    report = validate_request(job, base_dir=str(tmp_path))
    found = {p.file.rsplit("/", 1)[-1]: p.message for p in report.problems}
    assert set(found) == {"t1.png", "t2.png", "t3.png", "t9.png"}, report.problems
    assert "mask is 48x40 pixels but its image 't1.jpg' is 48x48" in found["t1.png"]
    assert "values 7 outside the classes 0 to 2" in found["t2.png"]
    assert "mode 'RGB'" in found["t3.png"]
    assert "no image named t9.jpg" in found["t9.png"]
    record, _ = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Failed"
    assert found["t1.png"] in record["FailureReason"]
