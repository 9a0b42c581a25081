"""CreateHyperParameterTuningJob requests checked as SageMaker checks them: every problem at once,
each named by its field path; nothing runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smemu.emulator.spec import SpecError
from smemu.emulator.tuning.request import plan
from tuning.tuningdata import tuning_request


def problems(request, **kw) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        plan(request, **kw)
    return {p.path: p.message for p in caught.value.problems}


def test_a_valid_request_becomes_a_plan(kmeans_dir, tmp_path):
    made = plan(tuning_request("t", kmeans_dir, tmp_path, strategy="Bayesian", max_jobs=5))
    assert (made.algorithm, made.objective, made.direction) == ("kmeans", "test:msd", "Minimize")
    assert [(r.name, r.kind, r.low, r.high) for r in made.ranges] == [("k", "Integer", 2, 5)]
    job = made.training_request("t-001-abcdef12", {"k": "3"})
    assert job["HyperParameters"] == {"feature_dim": "4", "mini_batch_size": "100", "k": "3",
                                      "_tuning_objective_metric": "test:msd"}


def test_every_problem_is_listed_with_its_path(kmeans_dir, tmp_path):
    request = tuning_request("t", kmeans_dir, tmp_path, metric="train:msd", ranges={
        "IntegerParameterRanges": [
            {"Name": "k", "MinValue": "0", "MaxValue": "5"},                       # k >= 1
            {"Name": "epochs", "MinValue": "1", "MaxValue": "x"},                  # not a number
            {"Name": "local_lloyd_max_iter", "MinValue": "10", "MaxValue": "100",
             "ScalingType": "ReverseLogarithmic"}],                                # integers: no
        "ContinuousParameterRanges": [
            {"Name": "local_lloyd_tol", "MinValue": "0", "MaxValue": "0.5",
             "ScalingType": "Logarithmic"},                                        # log needs > 0
            {"Name": "no_such_thing", "MinValue": "1", "MaxValue": "2"}],
        "CategoricalParameterRanges": [{"Name": "init_method", "Values": ["random", "bogus"]}]})
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 9
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] = 3
    found = problems(request)
    ranges = "HyperParameterTuningJobConfig.ParameterRanges"
    assert "not a tunable metric of kmeans" in found[
        "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName"]
    assert "test:msd (Minimize)" in found[
        "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName"]
    assert "outside the valid range of 'k'" in found[f"{ranges}.IntegerParameterRanges[0].MinValue"]
    assert "not an integer" in found[f"{ranges}.IntegerParameterRanges[1].MaxValue"]
    assert "continuous ranges" in found[f"{ranges}.IntegerParameterRanges[2].ScalingType"]
    assert "greater than 0" in found[f"{ranges}.ContinuousParameterRanges[0].ScalingType"]
    assert "no hyperparameter 'no_such_thing'" in found[f"{ranges}.ContinuousParameterRanges[1].Name"]
    assert "'bogus'" in found[f"{ranges}.CategoricalParameterRanges[0].Values"]
    assert "may not exceed" in found["HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs"]
    assert len(found) == 8        # and no false "k is required" for the k range refused


def test_objective_direction_static_overlap_and_botocore_shape(kmeans_dir, tmp_path):
    request = tuning_request("t", kmeans_dir, tmp_path, static={"k": "3"})
    request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["Type"] = "Maximize"
    request["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] = "Sometimes"
    request["TrainingJobDefinition"]["StaticHyperParameters"]["bogus_param"] = "1"
    found = problems(request)
    assert "set Type to Minimize" in found["HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type"]
    assert "both a static hyperparameter and a tunable one" in found[
        "HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges[0].Name"]
    assert "enum" in found["HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType"]
    assert "'bogus_param' was unexpected" in found["TrainingJobDefinition.StaticHyperParameters"]


def test_strategy_rules(kmeans_dir, linear_dir, tmp_path):
    grid = problems(tuning_request("t", kmeans_dir, tmp_path, strategy="Grid"))
    assert "categorical ranges only" in grid["HyperParameterTuningJobConfig.ParameterRanges"]
    made = plan(tuning_request("t", kmeans_dir, tmp_path, strategy="Grid", max_jobs=None,
                               ranges={"CategoricalParameterRanges": [
                                   {"Name": "k", "Values": ["2", "3"]},
                                   {"Name": "init_method", "Values": ["random", "kmeans++"]}]}))
    assert made.max_jobs == 4            # the grid's size when MaxNumberOfTrainingJobs is absent
    random = problems(tuning_request("t", kmeans_dir, tmp_path, max_jobs=None))
    assert "MaxNumberOfTrainingJobs" in " ".join(random)
    band = problems(tuning_request("t", linear_dir, tmp_path, "linear-learner", strategy="Hyperband",
                                   static={"epochs": "x"}, TrainingJobEarlyStoppingType="Auto"))
    assert "set TrainingJobEarlyStoppingType to Off" in band[
        "HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType"]
    assert "MaxResource" in " ".join(band)
    made = plan(tuning_request("t", linear_dir, tmp_path, "linear-learner", strategy="Hyperband"))
    assert made.max_resource == 4        # read from the static epochs


def test_warm_start_parents_are_checked(kmeans_dir, tmp_path):
    request = tuning_request("t", kmeans_dir, tmp_path)
    request["WarmStartConfig"] = {"WarmStartType": "IdenticalDataAndAlgorithm",
                                  "ParentHyperParameterTuningJobs": [
                                      {"HyperParameterTuningJobName": "gone"},
                                      {"HyperParameterTuningJobName": "other"}]}
    other = tuning_request("other", kmeans_dir / "train", tmp_path, metric="test:ssd")
    other["HyperParameterTuningJobStatus"] = "InProgress"
    parents = {"other": other}

    def load(name):
        return parents[name]

    found = problems(request, load_parent=load)
    first = "WarmStartConfig.ParentHyperParameterTuningJobs[0].HyperParameterTuningJobName"
    second = "WarmStartConfig.ParentHyperParameterTuningJobs[1].HyperParameterTuningJobName"
    assert "no hyperparameter tuning job named 'gone'" in found[first]
    messages = [p.message for p in pytest.raises(SpecError, plan, request, load_parent=load).value.problems
                if p.path == second]
    assert any("must have ended" in m for m in messages)
    assert any("same objective metric" in m for m in messages)
    assert any("parent's input data" in m for m in messages)


def test_the_example_is_a_valid_request():
    examples = Path(__file__).resolve().parents[2] / "examples"
    request = json.loads((examples / "kmeans-tuning.json").read_text())
    made = plan(request, str(examples))
    assert (made.strategy, made.objective, made.max_jobs, made.max_parallel) == ("Bayesian", "test:msd", 6, 2)
    assert {r.name for r in made.ranges} == {"k", "extra_center_factor", "init_method"}
    train = made.definition["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    assert train == (examples / "data" / "kmeans").as_uri() + "/"     # read against the file's folder


def test_transfer_learning_may_change_the_data_identical_data_may_not(kmeans_dir, tmp_path):
    parent = tuning_request("parent", kmeans_dir / "elsewhere", tmp_path)
    parent["HyperParameterTuningJobStatus"] = "Completed"
    request = tuning_request("t", kmeans_dir, tmp_path)
    request["WarmStartConfig"] = {"WarmStartType": "TransferLearning",
                                  "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}]}
    made = plan(request, load_parent={"parent": parent}.__getitem__)
    assert [p["HyperParameterTuningJobName"] for p in made.parents] == ["parent"]
    request["WarmStartConfig"]["WarmStartType"] = "IdenticalDataAndAlgorithm"
    found = problems(request, load_parent={"parent": parent}.__getitem__)
    assert "needs the parent's input data" in " ".join(found.values())
