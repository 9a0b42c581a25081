"""Object detection: annotation JSON and im2rec detection labels, the reference detector
localising shapes it never saw, the served {"prediction": [...]} answer, mAP against hand-worked
cases, and ``smemu validate`` naming each broken annotation by its file."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from smemu.algorithms.object_detection import sample as od_sample
from smemu.algorithms.object_detection.boxes import iou, mean_average_precision
from smemu.emulator.validation import validate_request
from smemu.formats import FormatError
from smemu.formats.annotations import parse_annotation

from image_jobs import request, run, serve, unpack
from training_helpers import invoke

ALGORITHM = "object-detection"


def _request(tmp_path, channels, hyperparameters):
    return request(tmp_path, ALGORITHM, channels, hyperparameters)


def _listed(scenes, prefix):
    images = {f"{prefix}-{i}.png": data for i, (data, _) in enumerate(scenes)}
    notes = {f"{prefix}-{i}.json": od_sample.annotation(f"{prefix}-{i}.png", objs)
             for i, (_, objs) in enumerate(scenes)}
    return images, notes


def test_mean_average_precision_hand_worked():
    truths = [np.array([[0, 0.1, 0.1, 0.3, 0.3]]), np.array([[0, 0.5, 0.5, 0.9, 0.9]])]
    # a hit (score 0.9), a false alarm (0.8), a hit (0.7): precision 1, 1/2, 2/3 at recall
    # 1/2, 1/2, 1 -> AP = 1/2 * 1 + 1/2 * 2/3
    detections = [np.array([[0, 0.9, 0.1, 0.1, 0.3, 0.3], [0, 0.8, 0.6, 0.0, 0.7, 0.1]]),
                  np.array([[0, 0.7, 0.52, 0.5, 0.9, 0.9]])]
    assert mean_average_precision(detections, truths, 1) == pytest.approx(0.5 + 1 / 3)
    # the same box twice counts once; a class without objects is left out of the mean
    twice = [np.array([[0, 0.9, 0.1, 0.1, 0.3, 0.3], [0, 0.8, 0.1, 0.1, 0.3, 0.3]]),
             np.zeros((0, 6))]
    assert mean_average_precision(twice, truths, 2) == pytest.approx(0.5)
    assert iou(np.array([0, 0, 1, 1.0]), np.array([[0.5, 0, 1.5, 1.0]]))[0] == pytest.approx(1 / 3)


def test_annotation_json_checked_with_its_words():
    good = json.loads(od_sample.annotation("a.png", [(1, 4, 5, 10, 10)]))
    parsed = parse_annotation(json.dumps(good).encode(), "a.json")
    assert parsed.labels() == [2.0, 5.0, 1.0, 4 / 48, 5 / 48, 14 / 48, 15 / 48]
    outside = dict(good, annotations=[{"class_id": 0, "left": 40, "top": 0, "width": 10,
                                       "height": 5}])
    with pytest.raises(FormatError, match=r"a.json: annotations\[0\]'s box .* outside the 48x48"):
        parse_annotation(json.dumps(outside).encode(), "a.json")
    with pytest.raises(FormatError, match="no \"file\""):
        parse_annotation(b'{"annotations": []}', "a.json")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("od")
    rng = np.random.default_rng(21)
    train = [od_sample.scene(rng) for _ in range(50)]
    valid = [od_sample.scene(rng) for _ in range(25)]
    images, notes = _listed(train, "t")
    v_images, v_notes = _listed(valid, "v")
    job = _request(tmp_path, {
        "train": ("image/png", images), "train_annotation": ("application/json", notes),
        "validation": ("application/x-image", v_images),
        "validation_annotation": ("application/x-image", v_notes)},
        {**od_sample.HYPERPARAMETERS, "num_training_samples": "50"})
    record, lines = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    return tmp_path, record, lines


def test_reference_detector_localises_unseen_shapes(trained):
    tmp_path, record, lines = trained
    log = "\n".join(lines)
    assert "reference detector" in log
    maps = [float(v) for v in re.findall(r"validation mAP <score>=(\S+)", log)]
    assert len(maps) == 8 and max(maps) > 0.6, maps      # a constant box scores about 0
    final = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert final["validation:mAP"] == pytest.approx(maps[-1])


def test_endpoint_answers_normalised_boxes(trained):
    tmp_path, record, _ = trained
    model_dir, names = unpack(tmp_path, record)
    assert sorted(names) == ["hyperparams.json", "model_algo_1-0000.params",
                             "model_algo_1-symbol.json"]
    app = serve(model_dir, ALGORITHM)
    rng = np.random.default_rng(5)
    overlaps = []
    for _ in range(10):
        data, objects = od_sample.scene(rng, side=64, fmt="JPEG")     # another size and codec
        status, answer = invoke(app, data, "image/jpeg")
        assert status == 200, answer
        prediction = json.loads(answer)["prediction"]
        assert all(len(d) == 6 and 0 <= d[2] < d[4] <= 1 and 0 <= d[3] < d[5] <= 1
                   for d in prediction)
        scores = [d[1] for d in prediction]
        assert scores == sorted(scores, reverse=True)
        for c, x, y, w, h in objects:
            truth = np.array([x / 64, y / 64, (x + w) / 64, (y + h) / 64])
            same = [d for d in prediction if d[0] == c]
            overlaps.append(max((iou(truth, np.array([d[2:]]))[0] for d in same), default=0.0))
    assert np.mean(np.array(overlaps) >= 0.5) >= 0.7, overlaps


def test_validate_names_each_broken_annotation(tmp_path):
    rng = np.random.default_rng(8)
    scenes = [od_sample.scene(rng) for _ in range(6)]
    images, notes = _listed(scenes, "t")
    doc = json.loads(notes["t-1.json"])
    doc["annotations"][0]["class_id"] = 5                          # class_id >= num_classes
    notes["t-1.json"] = json.dumps(doc).encode()
    doc = json.loads(notes["t-2.json"])
    doc["annotations"][0]["left"] = 45                             # box outside the image
    notes["t-2.json"] = json.dumps(doc).encode()
    doc = json.loads(notes["t-3.json"])
    doc["file"] = "elsewhere.png"                                  # image not in the channel
    notes["t-3.json"] = json.dumps(doc).encode()
    doc = json.loads(notes["t-4.json"])
    doc["image_size"] = [{"width": 60, "height": 48, "depth": 3}]  # size differs from the image
    notes["t-4.json"] = json.dumps(doc).encode()
    job = _request(tmp_path, {
        "train": ("application/x-image", images),
        "train_annotation": ("application/x-image", notes),
        "validation": ("application/x-recordio", {"v.rec": od_sample.recordio(scenes)})},
        {**od_sample.HYPERPARAMETERS, "num_training_samples": "6"})
    report = validate_request(job, base_dir=str(tmp_path))
    found = {p.file.rsplit("/", 1)[-1]: p.message for p in report.problems}
    assert set(found) == {"t-1.json", "t-2.json", "t-3.json", "t-4.json"}, report.problems
    assert "class_id 5" in found["t-1.json"] and "num_classes=3" in found["t-1.json"]
    assert "outside the 48x48 image" in found["t-2.json"]
    assert "'elsewhere.png'" in found["t-3.json"] and "does not exist" in found["t-3.json"]
    assert "image_size says 60x48" in found["t-4.json"]
    assert all(p.channel == "train" for p in report.problems)
    record, _ = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Failed"
    assert any(message in record["FailureReason"] for message in found.values())
