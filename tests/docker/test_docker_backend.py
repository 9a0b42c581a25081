"""The Docker backend: the container SageMaker would run, from the job's point of view."""

from __future__ import annotations

import json
import tarfile
import threading
import time
import uuid

import numpy as np
import pytest

from smemu import contract
from smemu.emulator import image_names, images
from smemu.emulator.backends import MAX_RUNTIME_EXCEEDED, STOPPED, ContainerRun, get_backend
from smemu.emulator.backends.docker import JOB_LABEL, DockerBackend
from smemu.emulator.runner import run_job, start_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import load_ndarrays

import jobdata

pytestmark = pytest.mark.docker

# in every job and container name of this session: other sessions may share the engine
RUN = uuid.uuid4().hex[:8]
PROBE_JOB = f"probe-{RUN}"
PROBE_ARN = f"arn:aws:sagemaker:eu-west-1:123456789012:training-job/{PROBE_JOB}"


def _container_run(tmp_path, command, lines, **options) -> ContainerRun:
    (tmp_path / "opt_ml" / "output" / "data").mkdir(parents=True)
    (tmp_path / "opt_ml" / "input" / "config").mkdir(parents=True)
    (tmp_path / "opt_ml" / "input" / "config" / "hyperparameters.json").write_text("{}")
    env = {"TRAINING_JOB_NAME": PROBE_JOB, "TRAINING_JOB_ARN": PROBE_ARN,
           "MY_SETTING": "from the request's Environment"}
    return ContainerRun(job_dir=tmp_path, algorithm="kmeans", environment=env,
                        on_log_line=lines.append, command=command, **options)


def _leftover_containers(client) -> list:
    """This session's containers still there (none should be: the backend removes them)."""
    return [c for c in client.containers.list(all=True, filters={"label": JOB_LABEL})
            if c.labels[JOB_LABEL].endswith(RUN)]


def test_container_sees_the_sagemaker_contract(docker_client, probe_image, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    lines = []
    outcome = DockerBackend(image=probe_image).run(_container_run(tmp_path, "report", lines))
    assert outcome.exit_code == 3 and outcome.stop_reason is None and outcome.error is None
    facts = json.loads((tmp_path / "opt_ml" / "output" / "data" / "probe.json").read_text())
    assert facts["hostname"] == "algo-1"
    assert facts["config"] == ["hyperparameters.json"]          # the job's tree, bind-mounted
    assert facts["interfaces"] == ["lo"]                        # no network
    assert facts["pid"] != 1                                    # an init forwards signals
    assert facts["env"] == {
        "TRAINING_JOB_NAME": PROBE_JOB, "TRAINING_JOB_ARN": PROBE_ARN,
        "AWS_REGION": "eu-west-1", "MY_SETTING": "from the request's Environment",
        "SMEMU_ALGORITHM": "kmeans", "OPENBLAS_CORETYPE": "Haswell", "SMEMU_LIFELINE": "stdin"}
    assert sorted(lines) == ["no newline at the end", "to stderr", "to stdout"]
    assert _leftover_containers(docker_client) == []


def test_max_runtime_sends_sigterm_through_the_init(docker_client, probe_image, tmp_path):
    lines = []
    start = time.monotonic()
    outcome = DockerBackend(image=probe_image).run(
        _container_run(tmp_path, "trap", lines, max_runtime=1.0, stop_grace=30))
    assert outcome.stop_reason == MAX_RUNTIME_EXCEEDED
    assert outcome.exit_code == 143
    assert lines == ["sleeping", "got SIGTERM"]
    assert time.monotonic() - start < 15
    assert _leftover_containers(docker_client) == []


def test_a_container_ignoring_sigterm_is_killed_after_the_grace(docker_client, probe_image, tmp_path):
    lines = []
    run = _container_run(tmp_path, "ignore", lines, stop_grace=1.0)
    threading.Timer(1.0, run.stop_event.set).start()
    start = time.monotonic()
    outcome = DockerBackend(image=probe_image).run(run)
    assert outcome.stop_reason == STOPPED
    assert outcome.exit_code == 137           # SIGKILL
    assert 1.5 < time.monotonic() - start < 15
    assert _leftover_containers(docker_client) == []


def test_logs_stream_while_the_container_runs(probe_image, tmp_path):
    seen_at = {}
    run = _container_run(tmp_path, "trap", [], max_runtime=3.0, stop_grace=30)
    start = time.monotonic()
    run.on_log_line = lambda line: seen_at.setdefault(line, time.monotonic() - start)
    DockerBackend(image=probe_image).run(run)
    assert seen_at["sleeping"] < 2.5          # long before the container ended
    assert seen_at["got SIGTERM"] >= 3.0


def test_missing_image_fails_the_job_saying_how_to_build_it(docker_client, smemu_images, tmp_path,
                                                           monkeypatch):
    monkeypatch.setattr(image_names, "IMAGE_TAG", "never-built")
    record = _job(tmp_path, "File", "csv", name="no-image")
    assert record["TrainingJobStatus"] == "Failed"
    assert "smemu/kmeans:never-built does not exist" in record["FailureReason"]
    assert "smemu build-images" in record["FailureReason"]


# ----------------------------------------------------------------------------------------------
# real k-means jobs


def _job(tmp_path, mode, fmt, backend="docker", name=None, **overrides):
    data = tmp_path / "data"
    if not data.exists():
        rows = jobdata.clustered(900)
        if fmt == "csv":
            jobdata.write_csv(data / "part-0.csv", rows[:500])
            jobdata.write_csv(data / "part-1.csv", rows[500:])
        else:
            jobdata.write_pbr(data / "part-0.pbr", rows[:500])
            jobdata.write_pbr(data / "part-1.pbr", rows[500:])
    content_type = "text/csv;label_size=0" if fmt == "csv" else "application/x-recordio-protobuf"
    name = f"{name or f'{backend}-{mode}-{fmt}'}-{RUN}".lower()
    request = jobdata.request(name, [jobdata.channel("train", str(data), content_type)], mode=mode,
                              OutputDataConfig={"S3OutputPath": str(tmp_path / "out")},
                              **overrides)
    spec = TrainingJobSpec.from_request(request)
    return run_job(spec, store=JobStore(tmp_path / "jobs"), backend=get_backend(backend))


def _model(tmp_path, record) -> bytes:
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    uri = record["ModelArtifacts"]["S3ModelArtifacts"]
    path = uri[len("file://"):] if uri.startswith("file://") else uri
    with tarfile.open(path) as tar:
        assert tar.getnames() == ["model_algo-1"]
        return tar.extractfile("model_algo-1").read()


@pytest.mark.parametrize("mode,fmt", [("File", "csv"), ("File", "pbr"), ("Pipe", "csv"),
                                      ("Pipe", "pbr")])
def test_kmeans_in_docker_writes_the_same_model_as_the_process_backend(
        docker_client, smemu_images, tmp_path, mode, fmt):
    docker_record = _job(tmp_path, mode, fmt, "docker")
    model = _model(tmp_path, docker_record)
    (tmp_path / "model_algo-1").write_bytes(model)
    (centroids,) = load_ndarrays(tmp_path / "model_algo-1")
    assert centroids.shape == (jobdata.K, jobdata.FEATURE_DIM) and centroids.dtype == np.float32
    assert jobdata.centre_error(centroids) < 0.5
    assert any(m["MetricName"] == "train:msd" for m in docker_record["FinalMetricDataList"])
    log = (tmp_path / "jobs").rglob("logs.txt")
    text = "\n".join(p.read_text() for p in log)
    assert "Docker entrypoint called with argument(s): train" in text
    process_record = _job(tmp_path, mode, fmt, "process")
    assert _model(tmp_path, process_record) == model       # byte for byte
    assert _leftover_containers(docker_client) == []


def test_failing_kmeans_job_in_docker(docker_client, smemu_images, tmp_path):
    record = _job(tmp_path, "File", "csv", HyperParameters={"k": "many"})
    assert record["TrainingJobStatus"] == "Failed"
    assert record["FailureReason"].startswith("ClientError: ") and "'k'" in record["FailureReason"]
    failure = next((tmp_path / "jobs").rglob("opt_ml/output/failure")).read_text()
    assert record["FailureReason"] == failure.strip()[:1024]
    process = _job(tmp_path, "File", "csv", "process", name="process-fails",
                   HyperParameters={"k": "many"})
    assert process["FailureReason"] == record["FailureReason"]


def test_failing_container_exit_code_matches_the_process_backend(smemu_images, tmp_path):
    codes = {}
    for backend in ("docker", "process"):
        job_dir = tmp_path / backend
        tree = contract.Tree(ContainerRun(job_dir=job_dir, algorithm="kmeans").opt_ml)
        for directory in (tree.config_dir, tree.output_data_dir, tree.model_dir,
                          tree.channel_dir("train")):
            directory.mkdir(parents=True)
        tree.config_file(contract.HYPERPARAMETERS).write_text(json.dumps({"k": "3"}))  # no feature_dim
        tree.config_file(contract.INPUT_DATA_CONFIG).write_text(json.dumps({"train": {
            "TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None"}}))
        outcome = get_backend(backend).run(ContainerRun(job_dir=job_dir, algorithm="kmeans"))
        failure = tree.failure_file.read_text()
        codes[backend] = (outcome.exit_code, failure)
    assert codes["docker"][0] != 0
    assert codes["docker"] == codes["process"]
    assert codes["docker"][1].startswith("ClientError: ")


def test_max_runtime_stops_a_kmeans_job_in_docker(docker_client, smemu_images, tmp_path):
    start = time.monotonic()
    record = _job(tmp_path, "Pipe", "pbr", HyperParameters={"epochs": "1000000"},
                  StoppingCondition={"MaxRuntimeInSeconds": 2})
    assert record["TrainingJobStatus"] == "Stopped"
    assert record["SecondaryStatus"] == MAX_RUNTIME_EXCEEDED
    assert time.monotonic() - start < 30
    assert _leftover_containers(docker_client) == []


def test_stop_training_job_in_docker(docker_client, smemu_images, tmp_path):
    rows = jobdata.clustered(900)
    jobdata.write_pbr(tmp_path / "data" / "part.pbr", rows)
    request = jobdata.request(f"stop-me-{RUN}", [jobdata.channel("train", str(tmp_path / "data"),
                                                          "application/x-recordio-protobuf")],
                              mode="Pipe", HyperParameters={"epochs": "1000000"},
                              OutputDataConfig={"S3OutputPath": str(tmp_path / "out")})
    lines = []
    handle = start_job(TrainingJobSpec.from_request(request), store=JobStore(tmp_path / "jobs"),
                       backend=get_backend("docker"), on_log=lines.append)
    deadline = time.monotonic() + 30
    while not any("Docker entrypoint called" in line for line in lines):
        assert time.monotonic() < deadline, "the container never logged"
        time.sleep(0.05)
    handle.stop()
    record = handle.wait(60)
    assert record["TrainingJobStatus"] == "Stopped" and record["SecondaryStatus"] == "Stopped"
    assert _leftover_containers(docker_client) == []


def test_an_image_built_from_other_sources_is_reported_once(smemu_images, tmp_path, monkeypatch,
                                                             caplog):
    monkeypatch.setattr(images, "source_digest", lambda root: "sources edited since the build")
    with caplog.at_level("WARNING", logger="smemu.docker"):
        record = _job(tmp_path, "File", "csv", name="stale-image")
        _job(tmp_path, "File", "csv", name="stale-image-again")
    assert record["TrainingJobStatus"] == "Completed"
    assert caplog.text.count(f"{images.image_name('kmeans')} was built from other smemu sources") == 1
    assert "smemu build-images" in caplog.text


def test_current_image_runs_without_a_warning(smemu_images, tmp_path, caplog):
    with caplog.at_level("WARNING", logger="smemu.docker"):
        _job(tmp_path, "File", "csv", name="current-image")
    assert caplog.text == ""
