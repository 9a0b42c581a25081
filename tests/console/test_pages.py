"""The console's pages without a browser: escaping, charts, metrics per epoch from the log, the
pictures of real trained models checked against scikit-learn, the bounded log tail, the Host
rule and `smemu report`."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from smemu.cli import main
from smemu.emulator.console import data, model_view, pages, svg
from smemu.emulator.console.routes import console_app
from smemu.emulator.store import JobStore

HOSTILE = "<script>alert('x')</script>"


def _hostile_job(root) -> JobStore:
    """A failed job whose hyperparameters, failure reason and log lines carry HTML."""
    store = JobStore(root)
    now = time.time()
    store.create({
        "TrainingJobName": "hostile", "TrainingJobStatus": "Failed", "SecondaryStatus": "Failed",
        "CreationTime": now, "TrainingStartTime": now, "TrainingEndTime": now + 3,
        "AlgorithmSpecification": {
            "TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1",
            "MetricDefinitions": [
                {"Name": "train:objective_loss", "Regex": r"epoch=\d+, train loss <loss>=(\S+)"},
                {"Name": "validation:objective_loss",
                 "Regex": r"epoch=\d+, validation loss <loss>=(\S+)"}]},
        "HyperParameters": {"feature_dim": HOSTILE},
        "SecondaryStatusTransitions": [{"Status": "Failed", "StartTime": now,
                                        "StatusMessage": HOSTILE}],
        "FailureReason": f"ClientError: Line 7, column 2 of file train.csv: {HOSTILE} is not a "
                         f"number."})
    lines = [HOSTILE, "<img src=x onerror=alert(1)>"]
    for epoch, (train, validation) in enumerate([(0.9, 0.95), (0.5, 0.6), (0.3, 0.41)]):
        lines += [f"[12/01/2026 00:00:0{epoch} INFO 1] #quality_metric: host=algo-1, "
                  f"epoch={epoch}, train loss <loss>={train}",
                  f"[12/01/2026 00:00:0{epoch} INFO 1] #quality_metric: host=algo-1, "
                  f"epoch={epoch}, validation loss <loss>={validation}"]
    store.log_path("hostile").write_text("\n".join(lines) + "\n")
    return store


def test_job_page_escapes_everything_and_highlights_the_failure_place(tmp_path):
    store = _hostile_job(tmp_path)
    page = pages.job_page(data.Console(store), "hostile")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(") >= 4     # hyperparameter, reason, status, log
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<mark>Line 7, column 2 of file train.csv</mark>" in page


def test_metrics_per_epoch_are_read_from_the_log_and_charted_together(tmp_path):
    store = _hostile_job(tmp_path)
    charts, _single = data.Console(store).metric_series("hostile")
    assert charts == {"objective_loss": {"train": [0.9, 0.5, 0.3],
                                         "validation": [0.95, 0.6, 0.41]}}
    page = pages.job_page(data.Console(store), "hostile")
    chart = re.search(r'<figure class="metric-chart">(<svg.*?</svg>)', page, re.S).group(1)
    assert chart.count('class="series"') == 2           # one line each for train and validation
    assert "train" in chart and "validation" in chart   # the legend names them in words


def test_svg_charts_are_not_empty_and_escape_their_text():
    line = svg.line_chart("<b>loss</b>", {"train": [3, 2, 1]})
    assert line.startswith("<svg") and "<polyline" in line and "&lt;b&gt;loss" in line
    bars = svg.bar_chart("w", ["a", "b", "c"], [1.0, -2.0, 0.5])
    assert bars.count('class="bar"') == 3 and "url(#hatch)" in bars   # negative bar hatched
    values = np.random.default_rng(0).normal(size=500)
    histogram = svg.histogram("h", values, bins=10, markers={"threshold": 0.2})
    heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', histogram)]
    assert len(heights) == 10 and max(heights) > 0 and 'class="marker"' in histogram
    points = svg.scatter("s", {"a": [(0, 0), (1, 1)], "b": [(2, 0)]}, {"c": [(1, 0)]})
    assert points.count("<circle") + points.count("<rect") >= 4


def test_kmeans_picture_is_the_first_two_principal_components(trained_root):
    sklearn = pytest.importorskip("sklearn.decomposition")
    record = JobStore(trained_root).load("console-kmeans")
    arrays = model_view.read_arrays(model_view.artifact_path(record))
    centroids = next(iter(arrays.values()))
    sample = model_view.training_sample(record)
    assert sample.shape == (1000, 7) and centroids.shape == (5, 7)
    projected, centres, nearest = model_view.kmeans_projection(sample, centroids)
    reference = sklearn.PCA(n_components=2).fit(sample)
    expected = reference.transform(sample)
    for axis in range(2):   # principal axes are defined up to their sign
        sign = np.sign(expected[:, axis] @ projected[:, axis])
        np.testing.assert_allclose(projected[:, axis], sign * expected[:, axis], atol=1e-6)
        np.testing.assert_allclose(centres[:, axis],
                                   sign * reference.transform(centroids)[:, axis], atol=1e-6)
    # the example data has five well separated blobs: every cluster gets a fifth or so
    counts = np.bincount(nearest, minlength=5)
    assert counts.min() > 150, counts
    picture = model_view.pictures(record, arrays)
    assert len(picture) == 1 and picture[0]["svg"].count('class="highlight"') == 5


def test_linear_learner_pictures_show_weights_and_threshold(trained_root):
    record = JobStore(trained_root).load("console-linear")
    arrays = model_view.read_arrays(model_view.artifact_path(record))
    weight = arrays["arg:fc0_weight"]          # the real layout: (feature_dim, outputs)
    pictures = {p["title"]: p["svg"] for p in model_view.pictures(record, arrays)}
    assert pictures["Weights"].count('class="bar"') == weight.shape[0]
    threshold = float(model_view._module_extra(record)["threshold"])
    assert f"threshold = {svg._fmt(threshold)}" in pictures["Scores"]
    summary = {a["name"]: a for a in model_view.summary(arrays)}
    assert summary["arg:fc0_weight"]["shape"] == f"{weight.shape[0]}×1"
    assert summary["arg:fc0_weight"]["first"].startswith(f"{weight.ravel()[0]:.5g}")


def test_the_live_tail_stays_bounded_and_waits_for_whole_lines(tmp_path):
    store = _hostile_job(tmp_path)
    console = data.Console(store)
    lines, offset, _cut = console.log_since("hostile", 0)
    assert lines[0] == HOSTILE and offset == store.log_path("hostile").stat().st_size
    with open(store.log_path("hostile"), "a") as log:
        for i in range(10_000):
            log.write(f"line {i}\n")
        log.write("half a li")
    more, next_offset, cut = console.log_since("hostile", offset)
    assert cut and len(more) == data.LOG_TAIL_LINES and more[-1] == "line 9999"
    assert next_offset == store.log_path("hostile").stat().st_size - len("half a li")
    assert console.log_since("hostile", next_offset)[0] == []


def test_jobs_page_lists_newest_first_and_filters(trained_root):
    console = data.Console(JobStore(trained_root))
    names = [r["name"] for r in console.jobs()]
    assert names == ["console-pca", "console-linear", "console-kmeans"]
    assert [r["name"] for r in console.jobs("KMEANS")] == ["console-kmeans"]
    assert console.jobs(status="Failed") == []
    page = pages.jobs_page(console, "kmeans")
    assert "console-kmeans" in page and "console-linear" not in page and "console-pca" not in page
    assert "train:msd =" in page


def test_host_check_and_cross_site_posts(trained_root):
    client = console_app(JobStore(trained_root)).test_client()
    assert client.get("/console/", headers={"Host": "localhost:8766"}).status_code == 200
    assert client.get("/console/", headers={"Host": "[::1]:8766"}).status_code == 200
    assert client.get("/console/", headers={"Host": "evil.example:8766"}).status_code == 403
    assert client.get("/", headers={"Host": "localhost", "Accept": "text/html"}).status_code == 302
    posted = client.post("/console/endpoints/x/invocations", data={"body": "1"},
                         headers={"Host": "localhost", "Origin": "http://evil.example"})
    assert posted.status_code == 403
    posted = client.post("/console/endpoints/x/invocations", data={"body": "1"},
                         headers={"Host": "localhost"})
    assert posted.status_code == 403 and b"Read-only console" in posted.data
    page = client.get("/console/jobs/console-kmeans", headers={"Host": "127.0.0.1"})
    assert page.status_code == 200 and b"<svg" in page.data
    tail = json.loads(client.get("/console/jobs/console-kmeans/log.json?offset=0",
                                 headers={"Host": "127.0.0.1"}).data)
    assert tail["running"] is False and any("msd" in line for line in tail["lines"])
    download = client.get("/console/jobs/console-kmeans/model.tar.gz", headers={"Host": "127.0.0.1"})
    assert download.status_code == 200 and download.data[:2] == b"\x1f\x8b"
    assert client.get("/console/jobs/nope", headers={"Host": "127.0.0.1"}).status_code == 404
    (trained_root.parent / "job.json").write_text("{}")    # beside the root: never reachable
    for path in ("/console/jobs/..", "/console/jobs/../model.tar.gz", "/console/tuning/.."):
        assert client.get(path, headers={"Host": "127.0.0.1"}).status_code == 404


def test_report_writes_one_self_contained_page(trained_root, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "console-linear", "--html", str(out),
                 "--jobs-root", str(trained_root)]) == 0
    page = out.read_text()
    assert page.count("<svg") == 3          # objective loss, weights, scores
    assert "<script" not in page and 'src="http' not in page and 'href="http' not in page
    assert main(["report", "nope", "--html", str(out), "--jobs-root", str(trained_root)]) == 1
    assert "Could not find training job 'nope'" in capsys.readouterr().err


def test_the_jobs_page_sees_a_changed_record(tmp_path):
    store = _hostile_job(tmp_path)
    console = data.Console(store)
    assert [r["status"] for r in console.jobs()] == ["Failed"]
    record = store.load("hostile")
    record.update(TrainingJobStatus="Stopped", SecondaryStatus="Stopped")
    store.save(record)
    assert [r["status"] for r in console.jobs()] == ["Stopped"]


def test_pca_picture_is_the_explained_variance_scikit_learn_finds(trained_root):
    sklearn = pytest.importorskip("sklearn.decomposition")
    record = JobStore(trained_root).load("console-pca")
    arrays = model_view.read_arrays(model_view.artifact_path(record))
    picture = model_view.pictures(record, arrays)[0]["svg"]
    shares = [float(v) for v in re.findall(r"PC\d=([-\d.e]+)", str(picture))]
    sample = np.loadtxt(sorted((model_view.local_path(
        record["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"])).glob("*"))[0],
        delimiter=",")
    variance = sklearn.PCA(n_components=3).fit(sample).explained_variance_
    np.testing.assert_allclose(sorted(shares, reverse=True), variance / variance.sum(), rtol=2e-3)


def test_rcf_picture_is_the_served_models_scores(tmp_path):
    """The histogram's scores are what the model's own predictor gives the training sample (the
    console got them from a serving container)."""
    import subprocess
    import sys
    import tarfile

    from smemu.algorithms.registry import get_descriptor
    from smemu.containers.artifacts import read_model

    examples = Path(__file__).resolve().parents[2] / "examples" / "data"
    root = tmp_path / "jobs"
    done = subprocess.run(
        [sys.executable, "-m", "smemu", "train", "--name", "console-rcf", "--jobs-root",
         str(root), "--output", (tmp_path / "out").as_uri() + "/", "--algorithm",
         "randomcutforest", "--channel",
         f"train=file://{examples}/kmeans/,content-type=text/csv;label_size=0",
         "--hyperparameters", "feature_dim=7,num_trees=50,num_samples_per_tree=64"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    record = JobStore(root).load("console-rcf")
    pictures = model_view.pictures(record, {})
    assert [p["title"] for p in pictures] == ["Anomaly scores"]
    assert "mean + 3 sd" in str(pictures[0]["svg"])
    sample = model_view.training_sample(record)
    served = model_view.served_scores(record, sample)
    with tarfile.open(model_view.artifact_path(record)) as tar:
        tar.extractall(tmp_path / "model", filter="data")
    descriptor = get_descriptor("randomcutforest")
    direct = descriptor.load_predictor(read_model(tmp_path / "model",
                                                  model_files=descriptor.model_files))
    np.testing.assert_allclose(served, direct.predict(sample)["score"], rtol=1e-5, atol=1e-6)


def test_lda_pictures_are_each_topics_top_words():
    rng = np.random.default_rng(0)
    beta = rng.random((12, 40))
    beta[3, 17] = 50.0                                   # topic 3 is mostly word 17
    record = {"AlgorithmSpecification": {"TrainingImage": "382416733822.dkr.ecr.us-east-1."
                                                           "amazonaws.com/lda:1"}}
    pictures = model_view.pictures(record, {"array 0": np.ones(12), "array 1": beta})
    assert len(pictures) == model_view.TOPICS_SHOWN and "of 12 topics" in pictures[0]["caption"]
    words = model_view.top_words(beta)
    assert words[3][0][0] == 17
    for t in (0, 5):
        expected = np.argsort(-beta[t])[:model_view.TOP_WORDS]
        assert [w for w, _ in words[t]] == list(expected)
        assert f"word {expected[0]}" in str(pictures[t]["svg"])


def test_tuning_and_transform_jobs(trained_root, tmp_path):
    """A tuning job over two of the trained jobs and a transform job, in a root of their own."""
    import shutil

    from smemu.emulator.hosting_store import HostingStore
    from smemu.emulator.tuning.store import TuningStore

    root = tmp_path / "jobs"
    for name in ("console-kmeans", "console-pca"):
        shutil.copytree(trained_root / name, root / name)
    store = JobStore(root)
    now = time.time()
    TuningStore(store).create({
        "HyperParameterTuningJobName": "tune-<1>"[:6], "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": now, "HyperParameterTuningEndTime": now + 5, "LastModifiedTime": now,
        "HyperParameterTuningJobConfig": {"Strategy": "Random", "HyperParameterTuningJobObjective": {
            "Type": "Minimize", "MetricName": "train:msd"}},
        "TrainingJobDefinition": {"AlgorithmSpecification": {
            "TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"}},
        "_training_jobs": [{"TrainingJobName": "console-kmeans", "TunedHyperParameters": {"k": "5"}},
                           {"TrainingJobName": "console-pca", "TunedHyperParameters": {"k": "4"}}]})
    HostingStore(root).transform_jobs.save("batch-1", {
        "TransformJobName": "batch-1", "TransformJobStatus": "Completed", "ModelName": "m",
        "CreationTime": now + 10, "TransformStartTime": now + 10, "TransformEndTime": now + 12})
    console = data.Console(store)
    assert [(r["kind"], r["name"]) for r in console.jobs()][:2] == [("transform", "batch-1"),
                                                                     ("tuning", "tune-<")]
    page = pages.tuning_page(console, "tune-<")
    assert "tune-&lt;" in page and "tune-<" not in page
    msd = JobStore(root).load("console-kmeans")["FinalMetricDataList"]
    best = next(m["Value"] for m in msd if m["MetricName"] == "train:msd")
    assert f"train:msd = {best:.6g}" in page and "(best)" in page
    assert page.count('class="series"') == 0 and "<svg" in page   # one scored job: one point


def test_smemu_console_serves_the_pages_read_only(trained_root):
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    process = subprocess.Popen([sys.executable, "-m", "smemu", "console", "--port", "0",
                                "--jobs-root", str(trained_root)], stdout=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        url = re.search(r"(http://\S+/console/)", process.stdout.readline()).group(1)
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200 and b"console-kmeans" in answer.read()
        request = urllib.request.Request(url + "endpoints/x/invocations", data=b"body=1")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403
    finally:
        process.terminate()
        process.wait(10)
