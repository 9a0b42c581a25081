"""Augmented manifest input (``S3DataType: AugmentedManifestFile``, Pipe mode, RecordIO records)
for the three image built-ins: the FIFO's bytes as the developer guide's example stream shows
them, a real Pipe-mode job per algorithm through the local runner (file:// and, for image
classification, s3:// on the local S3), and each broken manifest reported by training and by
``smemu validate`` with its line and attribute."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pytest

from smemu.algorithms.image_classification import sample as ic_sample
from smemu.algorithms.object_detection import sample as od_sample
from smemu.algorithms.semantic_segmentation import sample as ss_sample
from smemu.emulator.augmented_manifest import open_line, read_manifest
from smemu.emulator.spec import SpecError, TrainingJobSpec
from smemu.emulator.validation import validate_request
from smemu.formats.augmented import read_augmented_images
from smemu.formats.recordio import frame, read_recordio

from image_jobs import job_request, put_classification_manifest, run


def _job(tmp_path, algorithm: str, channels: dict, hyperparameters: dict,
         content_type: str = "application/x-recordio", mode: str = "Pipe") -> dict:
    """channels: name -> (manifest URI, AttributeNames)."""
    config = [{"ChannelName": name, "ContentType": content_type, "RecordWrapperType": "RecordIO",
               "DataSource": {"S3DataSource": {"S3DataType": "AugmentedManifestFile",
                                               "S3Uri": uri, "AttributeNames": names}}}
              for name, (uri, names) in channels.items()]
    return job_request(algorithm, config, hyperparameters, mode)


def _write(directory, files: dict) -> None:
    for relative, data in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _manifest(path, lines) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                            for line in lines))
    return f"file://{path}"


def _classification_data(tmp_path, name: str, seed: int, count: int, label_as=int):
    encoded, labels = ic_sample.shapes(np.random.default_rng(seed), count)
    _write(tmp_path / "images", {f"{name}/{i:03d}.png": data for i, data in enumerate(encoded)})
    lines = [{"source-ref": f"images/{name}/{i:03d}.png", "class": label_as(int(label)),
              "class-metadata": {"type": "groundtruth/image-classification"}}
             for i, label in enumerate(labels)]
    return lines, encoded, labels


def _final(record) -> dict:
    return {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}


# the FIFO's bytes ----------------------------------------------------------------------------

def test_fifo_carries_each_attribute_as_one_record_in_attribute_names_order(tmp_path):
    _write(tmp_path, {"foo/image1.jpg": b"\xff\xd8first", "bar/image2.jpg": b"\xff\xd8second"})
    # the developer guide's example: ["image-ref", "is-a-cat"]
    uri = _manifest(tmp_path / "m.jsonl", [
        {"is-a-cat": 1, "author": "x", "image-ref": "foo/image1.jpg"},
        {"image-ref": f"file://{tmp_path}/bar/image2.jpg", "is-a-cat": 0},
        "",
        {"image-ref": "foo/image1.jpg", "is-a-cat": "0",
         "box": {"image_size": [{"width": 2}], "annotations": []}},
    ])
    lines = read_manifest(uri, ["image-ref", "is-a-cat"])
    assert [line.line for line in lines] == [1, 2, 4]   # a blank line is skipped, still counted
    stream = b"".join(open_line(line, "None", "RecordIO").read() for line in lines)
    # recordio_formatted(image1.jpg) recordio_formatted("1") recordio_formatted(image2.jpg) ...
    assert stream == (frame(b"\xff\xd8first") + frame(b"1") + frame(b"\xff\xd8second")
                      + frame(b"0") + frame(b"\xff\xd8first") + frame(b"0"))
    assert [p for p, _ in read_recordio(io.BytesIO(stream))][:2] == [b"\xff\xd8first", b"1"]
    # CompressionType=Gzip: the referenced objects are gzipped, the FIFO carries them gunzipped
    (tmp_path / "foo/image1.jpg").write_bytes(gzip.compress(b"\xff\xd8first"))
    assert open_line(lines[0], "Gzip", "RecordIO").read() == frame(b"\xff\xd8first") + frame(b"1")
    # an object is sent as its JSON text; without RecordIO wrapping the bytes follow each other
    (line,) = read_manifest(_manifest(tmp_path / "o.jsonl", [
        {"is-a-cat": 0, "box": {"image_size": [{"width": 2}], "annotations": []}}]),
        ["box", "is-a-cat"])
    assert open_line(line, "None", "None").read() == \
        b'{"image_size":[{"width":2}],"annotations":[]}0'


def test_spec_takes_augmented_manifests_in_pipe_mode_only_with_attribute_names(tmp_path):
    uri = _manifest(tmp_path / "m.jsonl", [{"source-ref": "a.png", "class": 0}])
    names = ["source-ref", "class"]

    def job(mode="Pipe", validation_names=names, train_names=names, wrapper="RecordIO"):
        made = _job(tmp_path, "image-classification",
                    {"train": (uri, train_names), "validation": (uri, validation_names)},
                    {**ic_sample.HYPERPARAMETERS, "num_training_samples": "1"}, mode=mode)
        made["InputDataConfig"][0]["RecordWrapperType"] = wrapper
        if validation_names is None:
            del made["InputDataConfig"][1]["DataSource"]["S3DataSource"]["AttributeNames"]
        return made

    spec = TrainingJobSpec.from_request(job(), base_dir=str(tmp_path))
    assert spec.channel("train").attribute_names == ("source-ref", "class")
    # the real inputdataconfig.json entry names no data type
    assert spec.channel("train").input_data_config() == {
        "ContentType": "application/x-recordio", "TrainingInputMode": "Pipe",
        "S3DistributionType": "FullyReplicated", "RecordWrapperType": "RecordIO"}

    refused = job(mode="File", validation_names=None)
    with pytest.raises(SpecError) as caught:
        TrainingJobSpec.from_request(refused, base_dir=str(tmp_path))
    found = {p.path: p.message for p in caught.value.problems}
    assert "can only be used if the Channel's input mode is Pipe" in \
        found["InputDataConfig[0].InputMode"]
    assert "needs AttributeNames" in \
        found["InputDataConfig[1].DataSource.S3DataSource.AttributeNames"]
    # validate reports the same, at the same fields
    report = validate_request(refused, base_dir=str(tmp_path))
    assert {p.field for p in report.problems} >= set(found)

    # the algorithm cannot tell the records apart without RecordIO wrapping, and reads pairs
    report = validate_request(job(wrapper="None"), base_dir=str(tmp_path))
    assert any("RecordWrapperType parameter must be \"RecordIO\"" in p.message
               and p.channel == "train" for p in report.problems)
    report = validate_request(job(train_names=["source-ref"]), base_dir=str(tmp_path))
    assert any("reads an augmented manifest's records in pairs" in p.message
               and "['source-ref']" in p.message for p in report.problems)


def test_augmented_records_read_in_pairs_and_an_odd_count_is_named():
    encoded, labels = ic_sample.shapes(np.random.default_rng(5), 3)
    records = b"".join(frame(e) + frame(str(int(l)).encode()) for e, l in zip(encoded, labels))
    (batch,) = read_augmented_images(io.BytesIO(records), name="train_0")
    np.testing.assert_array_equal(batch.labels, labels)
    assert batch.features[0, 0].shape == (32, 32, 3)
    # multi-label (multi_label=1): a JSON list of one 0/1 per class, as the host sends it
    multi = frame(encoded[0]) + frame(b"[1,0,1]") + frame(encoded[1]) + frame(b"[0,0,1]")
    (batch,) = read_augmented_images(io.BytesIO(multi), name="train_0")
    np.testing.assert_array_equal(batch.labels, [[1, 0, 1], [0, 0, 1]])
    with pytest.raises(Exception) as caught:
        list(read_augmented_images(io.BytesIO(frame(encoded[0]) + frame(b"cat")), name="t"))
    assert "label of manifest line 1 (attribute 2 of 2) is 'cat'" in str(caught.value)
    problems = []
    list(read_augmented_images(io.BytesIO(records + frame(encoded[0])), name="train_0",
                               on_error=problems.append))
    (problem,) = problems
    assert problem.record == 6 and "manifest line 4" in str(problem)
    assert "odd count" in str(problem) and "image's -ref first" in str(problem)
    # attributes in the wrong order: the label where the image should be
    swapped = frame(b"0") + frame(encoded[0])
    with pytest.raises(Exception) as caught:
        list(read_augmented_images(io.BytesIO(swapped), name="train_0"))
    assert "manifest line 1 (attribute 1 of 2)" in str(caught.value)
    assert "image's -ref first" in str(caught.value)


# real jobs -----------------------------------------------------------------------------------

def test_image_classification_trains_on_a_file_manifest_with_shuffled_epochs(tmp_path):
    train, _, train_labels = _classification_data(tmp_path, "train", 11, 60, label_as=str)
    valid, _, _ = _classification_data(tmp_path, "valid", 12, 30)
    names = ["source-ref", "class"]
    job = _job(tmp_path, "image-classification", {
        "train": (_manifest(tmp_path / "train.manifest", train), names),
        "validation": (_manifest(tmp_path / "valid.manifest", valid), names)},
        {**ic_sample.HYPERPARAMETERS, "num_training_samples": "60", "epochs": "5"})
    job["InputDataConfig"][0]["ShuffleConfig"] = {"Seed": 3}
    record, lines = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert _final(record)["validation:accuracy"] > 0.7     # chance is 1/3
    assert not any("but the train channel holds" in line for line in lines)


def test_image_classification_reads_manifest_and_images_from_s3(tmp_path, smemu_s3,
                                                                 smemu_bucket):
    s3 = smemu_s3.client()
    manifests = {name: (put_classification_manifest(s3, smemu_bucket, f"aug/{name}", seed, count),
                        ["source-ref", "class"])
                 for name, seed, count in (("train", 21, 60), ("validation", 22, 30))}
    job = _job(tmp_path, "image-classification", manifests,
               {**ic_sample.HYPERPARAMETERS, "num_training_samples": "60", "epochs": "5"})
    record, _ = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert _final(record)["validation:accuracy"] > 0.7
    # a -ref naming a key that is not in the bucket: validate names the line and the attribute
    s3.put_object(Bucket=smemu_bucket, Key="aug/validation.manifest", Body=json.dumps(
        {"source-ref": f"s3://{smemu_bucket}/aug/nothing.png", "class": 0}).encode())
    messages = [p.message for p in validate_request(job, base_dir=str(tmp_path)).problems]
    assert any(m.startswith("Line 1 of the augmented manifest file "
                            f"s3://{smemu_bucket}/aug/validation.manifest (attribute 'source-ref')")
               and "aug/nothing.png" in m for m in messages), messages


def test_class_id_labels_read_as_tuples_and_train_as_the_multi_hot_ones_do(tmp_path):
    """label-format=class-id (the format Ground Truth writes; developer guide, "Train with
    Augmented Manifest Image Format"): [0, 2] means what the multi-hot [1, 0, 1] means. The same
    data written both ways train to the same metrics; an id outside num_classes fails the job
    naming the line; an unknown label-format is refused."""
    encoded, _ = ic_sample.shapes(np.random.default_rng(6), 2)
    stream = frame(encoded[0]) + frame(b"[0,2]") + frame(encoded[1]) + frame(b'"1"')
    (batch,) = read_augmented_images(io.BytesIO(stream), name="t", label_format="class-id")
    assert batch.labels.dtype == object and list(batch.labels) == [(0, 2), (1,)]
    with pytest.raises(Exception) as caught:
        list(read_augmented_images(io.BytesIO(frame(encoded[0]) + frame(b"[0.5]")), name="t",
                                   label_format="class-id"))
    assert "label of manifest line 1 (attribute 2 of 2) is '[0.5]', not a list of class ids" \
        in str(caught.value)

    classes = int(ic_sample.HYPERPARAMETERS["num_classes"])
    hp = {**ic_sample.HYPERPARAMETERS, "num_training_samples": "60", "epochs": "4",
          "multi_label": "1"}
    names = ["source-ref", "class"]
    finals = {}
    for label_format in ("multi-hot", "class-id"):
        channels = {}
        for name, seed, count in (("train", 31, 60), ("valid", 32, 30)):
            lines, _, labels = _classification_data(tmp_path, name, seed, count)
            for line, label in zip(lines, labels):
                line["class"] = ([int(label)] if label_format == "class-id"
                                 else [int(c == label) for c in range(classes)])
            channels["train" if name == "train" else "validation"] = (
                _manifest(tmp_path / f"{label_format}-{name}.manifest", lines), names)
        job = _job(tmp_path, "image-classification", channels, hp,
                   content_type=f"application/x-recordio; label-format={label_format}")
        record, _ = run(tmp_path / label_format, job)
        assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
        finals[label_format] = _final(record)
    assert finals["class-id"] == finals["multi-hot"]
    assert finals["class-id"]["validation:accuracy"] > 0.8

    # an id outside [0, num_classes): the job fails naming the manifest line
    lines, _, _ = _classification_data(tmp_path, "train", 31, 60)
    for line in lines:
        line["class"] = [0]
    lines[4]["class"] = [0, classes]
    _manifest(tmp_path / "class-id-train.manifest", lines)
    record, _ = run(tmp_path / "outside", job)
    assert record["TrainingJobStatus"] == "Failed"
    assert f"class id {classes}" in record["FailureReason"]
    assert "manifest line 5" in record["FailureReason"]
    # a label format the algorithm does not have
    job = _job(tmp_path, "image-classification", channels, hp,
               content_type="application/x-recordio; label-format=one-hot")
    record, _ = run(tmp_path / "unknown", job)
    assert record["TrainingJobStatus"] == "Failed"
    assert "label-format=one-hot" in record["FailureReason"]
    assert "label-format=multi-hot or label-format=class-id" in record["FailureReason"]


def _detection_lines(tmp_path, name, seed, count):
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(count):
        data, objects = od_sample.scene(rng)
        _write(tmp_path / "images", {f"{name}/{i:03d}.png": data})
        doc = json.loads(od_sample.annotation(f"{i:03d}.png", objects))
        lines.append({"source-ref": f"images/{name}/{i:03d}.png",
                      "bounding-box": {"image_size": doc["image_size"],
                                       "annotations": doc["annotations"]},
                      "bounding-box-metadata": {"type": "groundtruth/object-detection"}})
    return lines


def _trained(tmp_path, algorithm, names, train, valid, hyperparameters) -> dict:
    """The final metrics of a Pipe-mode job on manifests of the lines ``train`` and ``valid``."""
    job = _job(tmp_path, algorithm, {
        "train": (_manifest(tmp_path / "train.manifest", train), names),
        "validation": (_manifest(tmp_path / "valid.manifest", valid), names)},
        {**hyperparameters, "num_training_samples": str(len(train))})
    record, _ = run(tmp_path, job)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    return _final(record)


def test_object_detection_trains_on_a_manifest_of_bounding_boxes(tmp_path):
    train = _detection_lines(tmp_path, "train", 31, 40)
    valid = _detection_lines(tmp_path, "valid", 32, 20)
    final = _trained(tmp_path, "object-detection", ["source-ref", "bounding-box"], train, valid,
                     od_sample.HYPERPARAMETERS)
    assert final["validation:mAP"] > 0.5


def _segmentation_lines(tmp_path, name, seed, count):
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(count):
        jpeg, png, _mask = ss_sample.scene(rng)
        _write(tmp_path / "images", {f"{name}/{i:03d}.jpg": jpeg, f"{name}/{i:03d}.png": png})
        lines.append({"source-ref": f"images/{name}/{i:03d}.jpg",
                      "city-streets-ref": f"images/{name}/{i:03d}.png",
                      "city-streets-metadata": {"job-name": "label-city-streets"}})
    return lines


def test_semantic_segmentation_trains_on_a_manifest_of_image_and_mask_refs(tmp_path):
    train = _segmentation_lines(tmp_path, "train", 41, 30)
    valid = _segmentation_lines(tmp_path, "valid", 42, 15)
    final = _trained(tmp_path, "semantic-segmentation", ["source-ref", "city-streets-ref"],
                     train, valid, ss_sample.HYPERPARAMETERS)
    assert final["validation:mIOU"] > 0.6


# broken manifests ----------------------------------------------------------------------------

def test_broken_manifest_lines_fail_training_and_validate_names_each(tmp_path):
    train, _, _ = _classification_data(tmp_path, "train", 51, 8)
    valid, _, _ = _classification_data(tmp_path, "valid", 52, 4)
    names = ["source-ref", "class"]
    manifest = tmp_path / "train.manifest"
    uri = _manifest(manifest, train)
    hp = {**ic_sample.HYPERPARAMETERS, "num_training_samples": "8"}
    channels = {"train": (uri, names),
                "validation": (_manifest(tmp_path / "valid.manifest", valid), names)}

    # a line without an attribute
    del train[2]["class"]
    _manifest(manifest, train)
    record, _ = run(tmp_path / "a", _job(tmp_path, "image-classification", channels, hp))
    assert record["TrainingJobStatus"] == "Failed"
    reason = record["FailureReason"]
    assert reason.startswith("ClientError: Line 3 of the augmented manifest file")
    assert str(manifest) in reason and "no attribute 'class'" in reason
    report = validate_request(_job(tmp_path, "image-classification", channels, hp),
                              base_dir=str(tmp_path))
    assert any("Line 3" in p.message and "'class'" in p.message for p in report.problems)

    # a line that is not JSON
    train[2]["class"] = 1
    lines = [json.dumps(line) for line in train]
    lines[4] = lines[4][:-5]
    _manifest(manifest, lines)
    record, _ = run(tmp_path / "b", _job(tmp_path, "image-classification", channels, hp))
    assert "Line 5 of the augmented manifest file" in record["FailureReason"]
    assert "is not valid JSON" in record["FailureReason"]
    # validate names every bad line, not only the first
    lines[6] = json.dumps({"source-ref": "images/train/006.png"})
    _manifest(manifest, lines)
    report = validate_request(_job(tmp_path, "image-classification", channels, hp),
                              base_dir=str(tmp_path))
    bad = {p.object: p.message for p in report.problems if p.kind == "channel"}
    assert "is not valid JSON" in bad[f"{uri} line 5"]
    assert "has no attribute 'class'" in bad[f"{uri} line 7"]

    # a -ref naming a missing object, and a label that is no class: validate names both
    train[1]["source-ref"] = "images/train/missing.png"
    train[6]["class"] = 7
    _manifest(manifest, train)
    job = _job(tmp_path, "image-classification", channels, hp)
    report = validate_request(job, base_dir=str(tmp_path))
    messages = [p.message for p in report.problems]
    missing = [m for m in messages if "missing.png" in m]
    assert missing and "Line 2 of the augmented manifest file" in missing[0]
    assert "attribute 'source-ref'" in missing[0] and "Upload the object" in missing[0]
    label = [p for p in report.problems if "num_classes=3" in p.message]
    assert label and label[0].object == f"{uri} line 7"
    record, _ = run(tmp_path / "c", job)
    assert record["TrainingJobStatus"] == "Failed"
    assert "Line 2 of the augmented manifest file" in record["FailureReason"]
    assert "missing.png" in record["FailureReason"]


def test_bad_annotation_and_mask_are_named_by_record_and_manifest_line(tmp_path):
    names = ["source-ref", "bounding-box"]
    train = _detection_lines(tmp_path, "train", 61, 4)
    train[1]["bounding-box"]["annotations"][0]["left"] = 500     # outside the image
    uri = _manifest(tmp_path / "od.manifest", train)
    job = _job(tmp_path, "object-detection", {"train": (uri, names), "validation": (uri, names)},
               {**od_sample.HYPERPARAMETERS, "num_training_samples": "4"})
    report = validate_request(job, base_dir=str(tmp_path))
    bad = [p for p in report.problems if p.channel == "train"]
    assert bad and bad[0].record == 3 and "manifest line 2" in bad[0].message
    assert "outside the" in bad[0].message and bad[0].object == f"{uri} line 2"

    seg = _segmentation_lines(tmp_path, "seg", 62, 3)
    seg[2]["city-streets-ref"] = seg[2]["source-ref"]          # a JPEG where the mask should be
    uri = _manifest(tmp_path / "ss.manifest", seg)
    names = ["source-ref", "city-streets-ref"]
    job = _job(tmp_path, "semantic-segmentation",
               {"train": (uri, names), "validation": (uri, names)},
               {**ss_sample.HYPERPARAMETERS, "num_training_samples": "3"})
    report = validate_request(job, base_dir=str(tmp_path))
    bad = [p for p in report.problems if p.channel == "train"]
    assert bad and "mask of manifest line 3" in bad[0].message
    assert "single-channel 8-bit mask" in bad[0].message


def test_example_job_trains_on_the_shipped_manifests(tmp_path):
    from pathlib import Path

    from smemu.emulator.runner import run_job
    from smemu.emulator.store import JobStore

    examples = Path(__file__).resolve().parents[2] / "examples"
    job = json.loads((examples / "image-classification-augmented-manifest-job.json").read_text())
    job["OutputDataConfig"]["S3OutputPath"] = f"file://{tmp_path}/out/"
    assert not validate_request(job, base_dir=str(examples)).problems
    spec = TrainingJobSpec.from_request(job, base_dir=str(examples))
    record = run_job(spec, store=JobStore(tmp_path / "jobs"), on_log=lambda line: None,
                     stop_grace=5)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert _final(record)["validation:accuracy"] > 0.7
