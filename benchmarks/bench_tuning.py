"""Hyperparameter tuning: Bayesian search against Random search with the same budget, and the
scheduler's overhead per training job, measured in the same run.

Linear learner (binary classifier) on scikit-learn's copy of the Wisconsin breast cancer data set
(569 rows, 30 features; 70 % train, 30 % validation), minimising ``validation:objective_loss``
over learning_rate, wd, l1 (log scales) and mini_batch_size, one job at a time.

Printed per seed: each strategy's wall time and best objective; then the mean best objective of
Bayesian against Random's (Bayesian should not be worse on average), and the scheduler's overhead
per job = (tuning wall time - the sum of the training jobs' own run times) / jobs, against the
target of 0.2 s.

    .venv/bin/python benchmarks/bench_tuning.py            # 20 jobs per strategy, 3 seeds
    .venv/bin/python benchmarks/bench_tuning.py --quick    # 6 jobs per strategy, 1 seed
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from smemu.emulator.store import JobStore
from smemu.emulator.tuning.request import plan
from smemu.emulator.tuning.scheduler import start_tuning
from smemu.emulator.tuning.store import TuningStore

IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"


def write_data(root: Path) -> None:
    from sklearn.datasets import load_breast_cancer
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    cut = int(0.7 * len(y))
    for name, rows in (("train", order[:cut]), ("validation", order[cut:])):
        (root / name).mkdir(parents=True)
        np.savetxt(root / name / "part.csv", np.column_stack([y[rows], X[rows]]), delimiter=",",
                   fmt="%.6g")


def request(name: str, root: Path, strategy: str, jobs: int, seed: int) -> dict:
    channel = lambda c: {"ChannelName": c, "ContentType": "text/csv", "DataSource": {"S3DataSource": {  # noqa: E731
        "S3DataType": "S3Prefix", "S3Uri": (root / c).as_uri(), "S3DataDistributionType": "FullyReplicated"}}}
    log_range = lambda n, lo, hi: {"Name": n, "MinValue": lo, "MaxValue": hi,  # noqa: E731
                                   "ScalingType": "Logarithmic"}
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": strategy, "RandomSeed": seed,
            "HyperParameterTuningJobObjective": {"Type": "Minimize",
                                                 "MetricName": "validation:objective_loss"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": jobs, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {
                "ContinuousParameterRanges": [log_range("learning_rate", "0.00001", "1"),
                                              log_range("wd", "0.0000001", "1"),
                                              log_range("l1", "0.0000001", "1")],
                "IntegerParameterRanges": [{"Name": "mini_batch_size", "MinValue": "20",
                                            "MaxValue": "400", "ScalingType": "Linear"}]}},
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
            "StaticHyperParameters": {"predictor_type": "binary_classifier", "feature_dim": "30",
                                      "epochs": "5"},
            "InputDataConfig": [channel("train"), channel("validation")],
            "OutputDataConfig": {"S3OutputPath": (root / "out").as_uri()},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 600}},
    }


def tune(name: str, root: Path, store: JobStore, strategy: str, jobs: int, seed: int):
    started = time.perf_counter()
    run = start_tuning(plan(request(name, root, strategy, jobs, seed)), store=store)
    answer = run.wait()
    wall = time.perf_counter() - started
    summaries = TuningStore(store).training_jobs(TuningStore(store).load(name))
    own = 0.0
    for summary in summaries:
        record = store.load(summary["TrainingJobName"])
        own += record["LastModifiedTime"] - record["CreationTime"]
    best = answer["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    return wall, best, (wall - own) / len(summaries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 jobs per strategy, one seed")
    parser.add_argument("--jobs", type=int, help="training jobs per tuning job (default 20)")
    parser.add_argument("--seeds", type=int, help="seeds (default 3)")
    args = parser.parse_args()
    jobs = args.jobs or (6 if args.quick else 20)
    seeds = args.seeds or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="bench-tuning-") as tmp:
        root = Path(tmp)
        write_data(root)
        store = JobStore(root / "jobs")
        best = {"Bayesian": [], "Random": []}
        overheads = []
        for seed in range(seeds):
            for strategy in ("Random", "Bayesian"):
                wall, value, overhead = tune(f"{strategy.lower()}-{seed}", root, store, strategy,
                                             jobs, seed)
                best[strategy].append(value)
                overheads.append(overhead)
                print(f"seed {seed} {strategy:8s} {jobs} jobs: {wall:6.1f} s wall, best "
                      f"validation:objective_loss {value:.5f}, scheduler overhead "
                      f"{overhead:.3f} s/job", flush=True)
    bayesian, random = statistics.mean(best["Bayesian"]), statistics.mean(best["Random"])
    print(f"mean best objective: Bayesian {bayesian:.5f} vs Random {random:.5f} "
          f"(ratio {bayesian / random:.3f}; <= 1 means Bayesian is not worse)")
    print(f"scheduler overhead per job: {statistics.mean(overheads):.3f} s (target < 0.2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
