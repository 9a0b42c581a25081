"""FinalMetricDataList from log lines with the service's built-in MetricDefinitions."""

import numpy as np

from smemu.emulator.metrics import MetricCollector, builtin_definitions, float32

# lines as the real containers print them (as in the CloudWatch logs of real Linear Learner jobs;
# ``#quality_metric: host=algo-1, epoch=N, train <name> <loss>=value``)
LL_LINES = """\
[11/24/2020 10:01:02 INFO 139] #quality_metric: host=algo-1, epoch=0, train binary_classification_cross_entropy_objective <loss>=0.61
[11/24/2020 10:01:02 INFO 139] #quality_metric: host=algo-1, epoch=0, validation binary_classification_cross_entropy_objective <loss>=0.508278604365
[11/24/2020 10:01:03 INFO 139] #quality_metric: host=algo-1, epoch=1, validation binary_classification_cross_entropy_objective <loss>=0.41
[11/24/2020 10:01:04 INFO 139] #progress_metric: host=algo-1, completed 6 % of epochs
[11/24/2020 10:01:05 INFO 139] #throughput_metric: host=algo-1, train throughput=54276.96611628075 records/second
[11/24/2020 10:01:06 INFO 139] #quality_metric: host=algo-1, validation binary_classification_accuracy <score>=0.994793361536
[11/24/2020 10:01:06 INFO 139] #quality_metric: host=algo-1, validation binary_f_1.000 <score>=0.994832041344
[11/24/2020 10:01:07 INFO 139] #quality_metric: host=algo-1, test mse <loss>=13.72
[11/24/2020 10:01:07 INFO 139] #quality_metric: host=algo-1, test binary_classification_cross_entropy_objective <loss>=0.0373249375545
""".splitlines()


def final(algorithm, lines, extra=()):
    collector = MetricCollector(builtin_definitions(algorithm) + list(extra))
    for i, line in enumerate(lines):
        collector.feed(line, timestamp=float(i))
    return {m["MetricName"]: (m["Value"], m["Timestamp"]) for m in collector.final()}


def test_linear_learner_built_in_definitions_keep_the_last_value():
    got = final("linear-learner", LL_LINES)
    f32 = lambda v: float(np.float32(v))  # noqa: E731  (real records hold float32 values)
    assert got["train:objective_loss"] == (f32(0.61), 0.0)
    assert got["validation:objective_loss"] == (f32(0.41), 2.0)            # last of the epochs
    assert got["train:progress"] == (6.0, 3.0)
    assert got["train:throughput"][0] == 54276.96484375
    assert got["validation:binary_classification_accuracy"][0] == 0.9947933554649353
    assert got["validation:binary_f_beta"][0] == f32(0.994832041344)
    assert got["test:mse"][0] == f32(13.72)
    assert got["test:objective_loss"][0] == f32(0.0373249375545)
    assert "validation:objective_loss:final" not in got     # only per-epoch lines were printed


def test_kmeans_definitions_and_a_users_own():
    lines = ["[x] #quality_metric: host=algo-1, train msd <loss>=0.06404909491539001",
             "#progress_metric: host=algo-1, completed 100.0 % of epochs",
             "my loss=3.5;", "my loss=2.5;", "my loss=nan-ish;"]
    got = final("kmeans", lines, [{"Name": "mine", "Regex": r"my loss=(.*?);"},
                                  {"Name": "broken", "Regex": "("}])
    assert got == {"train:msd": (float(np.float32(0.06404909491539001)), 0.0),
                   "train:progress": (100.0, 1.0), "mine": (2.5, 3.0)}


def test_values_are_float32_as_in_real_records():
    assert float32(0.994793361536) == float(np.float32(0.994793361536)) != 0.994793361536
    assert float32(1e300) == float("inf") and float32(-1e300) == float("-inf")


def test_describe_record_carries_the_fields_real_records_have():
    from jobdata import channel, request
    from smemu.emulator.runner import new_record
    from smemu.emulator.spec import TrainingJobSpec
    req = request("describe-fields", [channel("train", "file:///data/train/"),
                                      channel("test", "file:///data/test/",
                                              CompressionType="Gzip")])
    record = new_record(TrainingJobSpec.from_request(req))
    assert record["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"] is False
    train, test = record["InputDataConfig"]
    assert (train["CompressionType"], train["RecordWrapperType"]) == ("None", "None")
    assert (test["CompressionType"], test["RecordWrapperType"]) == ("Gzip", "None")
