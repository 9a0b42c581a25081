"""Training jobs end to end on the process backend, with the real k-means."""

import gzip
import hashlib
import json
import re
import tarfile
import time

import numpy as np
import pytest

from smemu.emulator.runner import run_job, start_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobExists, JobStore
from smemu.formats import load_ndarrays

from jobdata import centre_error, channel, clustered, request, write_csv, write_pbr


def run(tmp_path, req, **options):
    spec = TrainingJobSpec.from_request(req, base_dir=str(tmp_path))
    store = JobStore(tmp_path / "jobs")
    lines = []
    record = run_job(spec, store=store, on_log=lines.append, stop_grace=5, **options)
    return record, "\n".join(lines), store


def centroids_of(tmp_path, record):
    uri = record["ModelArtifacts"]["S3ModelArtifacts"]
    assert uri == f"file://{tmp_path}/out/{record['TrainingJobName']}/output/model.tar.gz"
    with tarfile.open(uri[len("file://"):]) as tar:
        # model_algo-1 and, as the real k-means job's, an empty state_<uuid> file
        names = tar.getnames()
        assert names[0] == "model_algo-1" and len(names) == 2
        assert re.fullmatch(r"state_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", names[1])
        (centroids,) = load_ndarrays(tar.extractfile("model_algo-1"))
    return centroids


def metric(record, name):
    return {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}[name]


@pytest.mark.parametrize("mode", ["File", "Pipe"])
@pytest.mark.parametrize("fmt", ["csv", "recordio-protobuf"])
def test_kmeans_job_in_both_modes_and_content_types(tmp_path, mode, fmt):
    rows = clustered(1200)
    if fmt == "csv":
        write_csv(tmp_path / "data" / "part-0.csv", rows[:600])
        write_csv(tmp_path / "data" / "part-1.csv", rows[600:])
        ch = channel("train", "data/")
    else:
        write_pbr(tmp_path / "data" / "part-0.pbr", rows[:600])
        write_pbr(tmp_path / "data" / "part-1.pbr", rows[600:])
        ch = channel("train", "data/", None)
    record, log, store = run(tmp_path, request(f"km-{mode.lower()}-{fmt}", [ch], mode=mode))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert [t["Status"] for t in record["SecondaryStatusTransitions"]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert centre_error(centroids_of(tmp_path, record)) < 0.2
    assert metric(record, "train:progress") == 100.0
    assert 0.5 < metric(record, "train:msd") < 1.5          # 4 dims of variance 0.25
    assert "processed a total of 1200 examples" in log
    opt_ml = store.job_dir(record["TrainingJobName"]) / "opt_ml"
    idc = json.loads((opt_ml / "input/config/inputdataconfig.json").read_text())
    assert idc["train"]["TrainingInputMode"] == mode
    assert not (opt_ml / "input/data").exists()        # the job's copies are gone, FIFOs too
    assert (tmp_path / "data").is_dir()                 # the user's data is not


def test_three_epochs_over_a_pipe_channel(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(900))
    record, log, _ = run(tmp_path, request("km-epochs", [channel("train", "data/")], mode="Pipe",
                                           HyperParameters={"epochs": "3"}))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert log.count("processed a total of 900 examples") == 3
    assert "completed 100.0 % of epochs" in log


def test_many_small_files_and_one_large_file(tmp_path):
    rows = clustered(3000)
    for i in range(150):
        write_csv(tmp_path / "small" / f"part-{i:04d}.csv", rows[i * 20:(i + 1) * 20])
    write_pbr(tmp_path / "large" / "all.pbr", np.tile(rows, (10, 1)))
    for name, ch, mode in (("many-small", channel("train", "small/"), "File"),
                           ("one-large", channel("train", "large/all.pbr", None), "Pipe")):
        record, log, _ = run(tmp_path, request(name, [ch], mode=mode,
                                               HyperParameters={"mini_batch_size": "1000"}))
        assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
        expected = 3000 if name == "many-small" else 30000
        assert f"processed a total of {expected} examples" in log
        assert centre_error(centroids_of(tmp_path, record)) < 0.2


def test_gzip_pipe_channel(tmp_path):
    rows = clustered(900)
    (tmp_path / "gz").mkdir()
    for i in range(3):
        text = "\n".join(",".join(f"{v:.5f}" for v in r) for r in rows[i * 300:(i + 1) * 300]) + "\n"
        (tmp_path / "gz" / f"part-{i}.csv.gz").write_bytes(gzip.compress(text.encode()))
    record, log, _ = run(tmp_path, request("km-gzip", [channel("train", "gz/", CompressionType="Gzip")],
                                           mode="Pipe"))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert "processed a total of 900 examples" in log
    assert centre_error(centroids_of(tmp_path, record)) < 0.2


@pytest.mark.parametrize("mode", ["File", "Pipe"])
def test_manifest_file_channel(tmp_path, mode):
    rows = clustered(900)
    for i in range(3):
        write_pbr(tmp_path / "shards" / f"matrix_{i}.pbr", rows[i * 300:(i + 1) * 300])
    write_pbr(tmp_path / "shards" / "not-listed.pbr", rows[:10] + 1000)   # would spoil the model
    (tmp_path / "train.manifest").write_text(json.dumps(
        [{"prefix": f"file://{tmp_path}/shards/"}, "matrix_0.pbr", "matrix_1.pbr", "matrix_2.pbr"]))
    ch = channel("train", "train.manifest", None, S3DataType="ManifestFile")
    record, log, _ = run(tmp_path, request(f"km-manifest-{mode.lower()}", [ch], mode=mode))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert "processed a total of 900 examples" in log
    assert centre_error(centroids_of(tmp_path, record)) < 0.2


def test_missing_required_channel(tmp_path):
    write_csv(tmp_path / "data" / "t.csv", clustered(90))
    record, _, _ = run(tmp_path, request("km-no-train", [channel("test", "data/")]))
    assert record["TrainingJobStatus"] == "Failed"
    assert record["FailureReason"].startswith("ClientError: ")
    assert "'train' is a required property" in record["FailureReason"]
    assert record["SecondaryStatusTransitions"][-1]["StatusMessage"] == "Training job failed"


def test_unknown_content_type(tmp_path):
    write_csv(tmp_path / "data" / "t.csv", clustered(90))
    record, _, _ = run(tmp_path, request("km-csv", [channel("train", "data/", "csv")]))
    assert record["TrainingJobStatus"] == "Failed"
    assert record["FailureReason"].startswith(
        "ClientError: No iterator has been registered for ContentType ('csv', '1.0')")


@pytest.mark.parametrize("mode", ["File", "Pipe"])
def test_bad_record_in_the_middle(tmp_path, mode):
    rows = clustered(900)
    write_csv(tmp_path / "data" / "part-0.csv", rows[:300])
    lines = [",".join(f"{v:.5f}" for v in r) for r in rows[300:]]
    lines[150] = "1.0,2.0,three,4.0"
    bad = tmp_path / "data" / "part-1.csv"
    bad.write_text("\n".join(lines) + "\n")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "data").iterdir()}
    record, log, _ = run(tmp_path, request(f"km-bad-{mode.lower()}", [channel("train", "data/")],
                                           mode=mode))
    assert record["TrainingJobStatus"] == "Failed"
    reason = record["FailureReason"]
    assert reason.startswith("ClientError: ") and "'three'" in reason
    if mode == "File":
        assert "Line 151, column 3 of file /opt/ml/input/data/train/part-1.csv" in reason
    else:   # one stream of both objects: line 300 + 151
        assert "Line 451, column 3 of file /opt/ml/input/data/train_0" in reason
    assert "Traceback" not in log
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "data").iterdir()}
    assert after == before


def test_max_runtime_exceeded(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(900))
    req = request("km-slow", [channel("train", "data/")], mode="Pipe",
                  HyperParameters={"epochs": "1000000", "mini_batch_size": "10"},
                  StoppingCondition={"MaxRuntimeInSeconds": 2})
    started = time.monotonic()
    record, _, _ = run(tmp_path, req)
    assert time.monotonic() - started < 30
    assert record["TrainingJobStatus"] == "Stopped"
    assert record["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert record["SecondaryStatusTransitions"][-1]["StatusMessage"] == (
        "Training job runtime exceeded MaxRuntimeInSeconds provided")
    assert "FailureReason" not in record


def test_stop_training_job_from_the_handle_and_from_another_process(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(900))
    store = JobStore(tmp_path / "jobs")
    for name, how in (("km-stop-handle", "handle"), ("km-stop-store", "store")):
        req = request(name, [channel("train", "data/")], mode="Pipe",
                      HyperParameters={"epochs": "1000000", "mini_batch_size": "10"})
        handle = start_job(TrainingJobSpec.from_request(req, base_dir=str(tmp_path)),
                           store=store, stop_grace=5)
        deadline = time.monotonic() + 30
        while store.load(name)["SecondaryStatus"] != "Training":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        if how == "handle":
            handle.stop()
        else:
            JobStore(tmp_path / "jobs").request_stop(name)
        record = handle.wait(30)
        assert record is not None, "the job did not stop"
        assert (record["TrainingJobStatus"], record["SecondaryStatus"]) == ("Stopped", "Stopped")
        assert "Stopping" in [t["Status"] for t in record["SecondaryStatusTransitions"]]


def test_job_name_already_used(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(90))
    req = request("km-same", [channel("train", "data/")], HyperParameters={"mini_batch_size": "30"})
    record, _, store = run(tmp_path, req)
    assert record["TrainingJobStatus"] == "Completed"
    with pytest.raises(JobExists, match="a training job with this name already exists"):
        run(tmp_path, req)
    assert store.load("km-same")["CreationTime"] == record["CreationTime"]


def test_records_survive_and_user_metric_definitions_are_collected(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(300))
    req = request("km-metrics", [channel("train", "data/")])
    req["AlgorithmSpecification"]["MetricDefinitions"] = [
        {"Name": "examples", "Regex": r"processed a total of (\d+) examples"}]
    record, _, _ = run(tmp_path, req)
    again = JobStore(tmp_path / "jobs").load("km-metrics")
    assert again == record
    assert metric(again, "examples") == 300.0
    names = [d["Name"] for d in again["AlgorithmSpecification"]["MetricDefinitions"]]
    assert "train:msd" in names and "examples" in names
    assert again["TrainingJobArn"].startswith("arn:aws:sagemaker:")
    assert again["TrainingJobArn"].endswith(":123456789012:training-job/km-metrics")
    summary = JobStore(tmp_path / "jobs").summary(again)
    assert summary["TrainingJobStatus"] == "Completed"


def test_no_data_under_the_prefix_fails_before_training(tmp_path):
    record, log, _ = run(tmp_path, request("km-empty", [channel("train", "nothing-here/")]))
    assert record["TrainingJobStatus"] == "Failed"
    assert record["FailureReason"].startswith("ClientError: No S3 objects found under S3 URL")
    assert "Training" not in [t["Status"] for t in record["SecondaryStatusTransitions"]]
    assert log == ""


@pytest.mark.parametrize("mode", ["File", "Pipe"])
def test_bad_recordio_protobuf_record_in_the_middle(tmp_path, mode):
    import io
    from smemu.formats import write_recordio_protobuf
    rows = clustered(300)
    stream = io.BytesIO()
    write_recordio_protobuf(stream, rows[:150])
    write_recordio_protobuf(stream, np.ones((1, 5), dtype=np.float32))   # one record too wide
    write_recordio_protobuf(stream, rows[150:])
    (tmp_path / "data").mkdir()
    bad = tmp_path / "data" / "part-3.pbr"
    bad.write_bytes(stream.getvalue())
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    record, log, _ = run(tmp_path, request(f"km-badpbr-{mode.lower()}",
                                           [channel("train", "data/", None)], mode=mode))
    assert record["TrainingJobStatus"] == "Failed"
    reason = record["FailureReason"]
    where = "/opt/ml/input/data/train/part-3.pbr" if mode == "File" else "/opt/ml/input/data/train_0"
    assert reason.startswith("ClientError: ") and "Record 150 (byte offset" in reason, reason
    assert where in reason
    assert "Traceback" not in log
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == digest
