"""``smemu tune --job FILE``: a line per training job as it ends, a table best first, exit codes;
``smemu describe`` knows tuning jobs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from tuning.tuningdata import tuning_request

pytestmark = pytest.mark.slow


def smemu(*args):
    return subprocess.run([sys.executable, "-m", "smemu", *args], capture_output=True, text=True,
                          timeout=300)


def test_tune_streams_lines_and_prints_a_table_best_first(kmeans_dir, tmp_path):
    job = tmp_path / "tuning.json"
    job.write_text(json.dumps(tuning_request("cli", kmeans_dir, tmp_path / "out", strategy="Grid",
                                             max_jobs=None, parallel=2, ranges={
                                                 "CategoricalParameterRanges": [
                                                     {"Name": "k", "Values": ["2", "3", "4"]}]})))
    root = str(tmp_path / "jobs")
    done = smemu("tune", "--job", str(job), "--jobs-root", root)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    ended = [re.fullmatch(r"(cli-\d{3}-[0-9a-f]{8})  Completed  k=(\d)  objective=(\S+)", line)
             for line in lines[:3]]
    assert all(ended) and sorted(m.group(2) for m in ended) == ["2", "3", "4"]
    assert lines[3].split() == ["training", "job", "status", "objective", "hyperparameters"]
    rows = [line.split() for line in lines[4:7]]
    values = [float(row[2]) for row in rows]
    assert values == sorted(values)
    assert {row[0] for row in rows} == {m.group(1) for m in ended}
    assert f"Best training job: {rows[0][0]}" in done.stderr

    described = smemu("describe", "cli", "--jobs-root", root)
    answer = json.loads(described.stdout)
    assert answer["HyperParameterTuningJobStatus"] == "Completed"
    assert answer["BestTrainingJob"]["TrainingJobName"] == rows[0][0]
    assert answer["CreationTime"].endswith("+00:00")       # shown as ISO 8601

    again = smemu("tune", "--job", str(job), "--jobs-root", root)   # the name is taken: renamed
    assert again.returncode == 0 and re.search(r"running this one as 'cli-\d{6}'", again.stderr)


def test_an_invalid_request_exits_2_listing_every_problem(kmeans_dir, tmp_path):
    job = tmp_path / "tuning.json"
    request = tuning_request("bad", kmeans_dir, tmp_path / "out", metric="test:f1")
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 0
    job.write_text(json.dumps(request))
    refused = smemu("tune", "--job", str(job), "--jobs-root", str(tmp_path / "jobs"))
    assert refused.returncode == 2
    assert "2 problems with the tuning job request" in refused.stderr
    assert "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs" in refused.stderr
    assert "'test:f1' is not a tunable metric of kmeans" in refused.stderr
    assert not (tmp_path / "jobs" / ".tuning").exists()


def test_smemu_stop_stops_a_tuning_job_run_by_smemu_tune(kmeans_dir, tmp_path):
    job = tmp_path / "tuning.json"
    job.write_text(json.dumps(tuning_request("slow", kmeans_dir, tmp_path / "out", max_jobs=3,
                                             parallel=1, static={"epochs": "3000"})))
    root = tmp_path / "jobs"
    tune = subprocess.Popen([sys.executable, "-m", "smemu", "tune", "--job", str(job), "--jobs-root",
                             str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(root.glob("slow-001-*/logs.txt")):
            assert time.monotonic() < deadline and tune.poll() is None
            time.sleep(0.2)
        stopped = smemu("stop", "slow", "--jobs-root", str(root))
        assert stopped.returncode == 0 and "Stopping hyperparameter tuning job slow" in stopped.stdout
        out, err = tune.communicate(timeout=120)
    finally:
        if tune.poll() is None:
            tune.kill()
    assert tune.returncode == 1
    assert "Tuning job slow stopped." in err
    assert re.search(r"slow-001-[0-9a-f]{8}  Stopped", out)
    assert not list(root.glob("slow-002-*"))
    again = smemu("stop", "slow", "--jobs-root", str(root))
    assert again.returncode == 1 and "The job status is Stopped" in again.stderr
