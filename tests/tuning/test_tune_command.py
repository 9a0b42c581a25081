"""``smemu tune --job FILE``: a line per training job as it ends, a table best first, exit codes;
``smemu describe`` knows tuning jobs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

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
