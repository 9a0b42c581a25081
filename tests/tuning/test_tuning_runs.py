"""Tuning jobs run end to end: training jobs through the job runner (process backend), at most
MaxParallelTrainingJobs at a time, named and tagged as SageMaker names them, objectives read from
their FinalMetricDataList; Grid, early stopping, stop and warm start."""

from __future__ import annotations

import re
import time

import pytest

from smemu.emulator.store import JobStore
from smemu.emulator.tuning.request import plan
from smemu.emulator.tuning.scheduler import start_tuning
from smemu.emulator.tuning.store import TuningStore
from tuning.tuningdata import tuning_request

pytestmark = pytest.mark.slow


def run(request, store, **kw):
    tuning = start_tuning(plan(request, load_parent=TuningStore(store).load), store=store, **kw)
    answer = tuning.wait(300)
    assert answer is not None, "the tuning job did not end"
    return answer


def metric(job: dict, name: str) -> float:
    return next(m["Value"] for m in job["FinalMetricDataList"] if m["MetricName"] == name)


def most_at_once(jobs: list[dict]) -> int:
    events = sorted([(j["CreationTime"], 1) for j in jobs] + [(j["TrainingEndTime"], -1) for j in jobs])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def test_random_search(kmeans_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    ended = []
    answer = run(tuning_request("rand", kmeans_dir, tmp_path / "out", max_jobs=4, parallel=2,
                                RandomSeed=3), store, on_job_end=ended.append)
    assert answer["HyperParameterTuningJobStatus"] == "Completed"
    assert answer["TrainingJobStatusCounters"] == {"Completed": 4, "InProgress": 0, "RetryableError": 0,
                                                   "NonRetryableError": 0, "Stopped": 0}
    assert answer["ObjectiveStatusCounters"] == {"Succeeded": 4, "Pending": 0, "Failed": 0}
    summaries = TuningStore(store).training_jobs(TuningStore(store).load("rand"))
    names = [s["TrainingJobName"] for s in summaries]
    assert [re.fullmatch(r"rand-(\d{3})-[0-9a-f]{8}", n).group(1) for n in names] == ["001", "002", "003", "004"]
    assert sorted(e["TrainingJobName"] for e in ended) == sorted(names)
    records = {r["TrainingJobName"]: r for r in store.records()}      # ListTrainingJobs sees them
    jobs = [records[n] for n in names]
    assert most_at_once(jobs) <= 2
    for job, summary in zip(jobs, summaries):
        assert job["TuningJobArn"] == answer["HyperParameterTuningJobArn"]
        assert job["TuningJobArn"].endswith(":hyper-parameter-tuning-job/rand")
        k = job["HyperParameters"]["k"]
        assert 2 <= int(k) <= 5 and summary["TunedHyperParameters"] == {"k": k}
        assert job["HyperParameters"]["feature_dim"] == "4"
        assert job["HyperParameters"]["_tuning_objective_metric"] == "test:msd"
        assert summary["FinalHyperParameterTuningJobObjectiveMetric"] == {
            "Type": "Minimize", "MetricName": "test:msd", "Value": metric(job, "test:msd")}
    best = min(jobs, key=lambda j: metric(j, "test:msd"))
    assert answer["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]


def test_grid_search_runs_each_combination_once(kmeans_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    answer = run(tuning_request("grid", kmeans_dir, tmp_path / "out", strategy="Grid", max_jobs=None,
                                ranges={"CategoricalParameterRanges": [{"Name": "k", "Values": ["2", "3", "4"]}]}),
                 store)
    summaries = TuningStore(store).training_jobs(TuningStore(store).load("grid"))
    by_k = {s["TunedHyperParameters"]["k"]: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
            for s in summaries}
    assert len(summaries) == 3 and set(by_k) == {"2", "3", "4"}
    # three true clusters 20 apart: two centres leave a cluster's points ~20 away, three do not
    assert by_k["2"] > 20 * by_k["3"]
    assert answer["BestTrainingJob"]["TunedHyperParameters"]["k"] in ("3", "4")


def test_median_rule_stops_a_job_worse_than_the_completed_ones(linear_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    request = tuning_request("early", linear_dir, tmp_path / "out", "linear-learner", strategy="Grid",
                             max_jobs=None, parallel=1, static={"epochs": "6"},
                             ranges={"CategoricalParameterRanges": [
                                 {"Name": "learning_rate", "Values": ["0.1", "0.000001"]}]},
                             TrainingJobEarlyStoppingType="Auto")
    ended = []
    answer = run(request, store, on_job_end=ended.append)
    good, bad = ended
    assert good["TunedHyperParameters"] == {"learning_rate": "0.1"}
    assert good["TrainingJobStatus"] == "Completed" and not good["StoppedEarly"]
    assert bad["TrainingJobStatus"] == "Stopped" and bad["StoppedEarly"]
    assert answer["TrainingJobStatusCounters"]["Stopped"] == 1
    assert answer["BestTrainingJob"]["TrainingJobName"] == good["TrainingJobName"]
    log = store.log_path(bad["TrainingJobName"]).read_text()
    epochs = re.findall(r"epoch=(\d+), validation \S+_objective <loss>=", log)
    assert len(epochs) < 6           # stopped before its last epoch


def test_stop_stops_the_running_jobs_and_launches_no_more(kmeans_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    request = tuning_request("halt", kmeans_dir, tmp_path / "out", max_jobs=4, parallel=1,
                             static={"epochs": "2000"})
    tuning = start_tuning(plan(request), store=store)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(r.get("SecondaryStatus") == "Training" for r in store.records()):
            break
        time.sleep(0.1)
    tuning.stop()
    answer = tuning.wait(120)
    assert answer["HyperParameterTuningJobStatus"] == "Stopped"
    records = store.records()
    assert len(records) == 1 and records[0]["TrainingJobStatus"] == "Stopped"
    assert answer["TrainingJobStatusCounters"]["Stopped"] == 1


def test_warm_start_reports_the_overall_best(kmeans_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    parent = run(tuning_request("parent", kmeans_dir, tmp_path / "out", max_jobs=3, parallel=2,
                                RandomSeed=1), store)
    request = tuning_request("child", kmeans_dir, tmp_path / "out", strategy="Bayesian", max_jobs=2,
                             parallel=1, RandomSeed=2,
                             ranges={"IntegerParameterRanges": [{"Name": "k", "MinValue": "2", "MaxValue": "3"}]})
    request["WarmStartConfig"] = {"WarmStartType": "IdenticalDataAndAlgorithm",
                                  "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}]}
    child = run(request, store)
    candidates = [parent["BestTrainingJob"], child["BestTrainingJob"]]
    best = min(candidates, key=lambda j: j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert child["OverallBestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    assert child["WarmStartConfig"] == request["WarmStartConfig"]
    assert "OverallBestTrainingJob" not in parent


def test_hyperband_stops_the_poor_configurations_at_a_rung(linear_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    # RandomSeed 1 draws learning rates 0.1, 1e-6, 1e-6, 0.1 from this categorical range
    request = tuning_request("band", linear_dir, tmp_path / "out", "linear-learner", strategy="Hyperband",
                             max_jobs=4, parallel=1, static={"epochs": "9"}, RandomSeed=1,
                             ranges={"CategoricalParameterRanges": [
                                 {"Name": "learning_rate", "Values": ["0.1", "0.000001"]}]},
                             StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 9}})
    ended = []
    answer = run(request, store, on_job_end=ended.append)
    rates = [e["TunedHyperParameters"]["learning_rate"] for e in ended]
    assert rates == ["0.1", "0.000001", "0.000001", "0.1"]
    assert ended[0]["TrainingJobStatus"] == "Completed"
    for slow in ended[1:3]:
        assert slow["StoppedEarly"] and slow["TrainingJobStatus"] == "Stopped"
        log = store.log_path(slow["TrainingJobName"]).read_text()
        assert len(re.findall(r"epoch=\d+, validation \S+_objective <loss>=", log)) < 9
    assert answer["BestTrainingJob"]["TunedHyperParameters"] == {"learning_rate": "0.1"}
    assert answer["HyperParameterTuningJobStatus"] == "Completed"


def test_a_reached_target_objective_launches_no_more_jobs(kmeans_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    request = tuning_request("target", kmeans_dir, tmp_path / "out", max_jobs=5, parallel=1,
                             ranges={"IntegerParameterRanges": [{"Name": "k", "MinValue": "3", "MaxValue": "5"}]},
                             TuningJobCompletionCriteria={"TargetObjectiveMetricValue": 5.0})
    answer = run(request, store)
    # k >= 3 on three clusters 0.5 sd wide gives test:msd about 1, below the target: one job is enough
    assert answer["HyperParameterTuningJobStatus"] == "Completed"
    assert answer["TrainingJobStatusCounters"]["Completed"] == 1
    assert answer["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] < 5.0


def test_a_tuning_job_whose_training_jobs_all_fail_is_failed(kmeans_dir, tmp_path):
    store = JobStore(tmp_path / "jobs")
    answer = run(tuning_request("broken", kmeans_dir, tmp_path / "out", max_jobs=2, parallel=2,
                                static={"feature_dim": "7"}), store)       # the data has 4 columns
    assert answer["HyperParameterTuningJobStatus"] == "Failed"
    assert answer["TrainingJobStatusCounters"]["NonRetryableError"] == 2
    assert answer["ObjectiveStatusCounters"] == {"Succeeded": 0, "Pending": 0, "Failed": 2}
    assert "BestTrainingJob" not in answer
    assert answer["FailureReason"].startswith("No training job reported the objective metric test:msd")
    assert "ClientError" in answer["FailureReason"] and "feature_dim" in answer["FailureReason"]
