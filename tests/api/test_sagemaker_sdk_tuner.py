"""The SageMaker Python SDK's HyperparameterTuner (v2, in the oracle environment) against
``smemu server``: fit / wait / best_training_job / analytics().dataframe() run unchanged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emulator.jobdata import CENTRES, clustered
from test_sagemaker_sdk import SESSION

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

TUNER = SESSION + r"""
session.sagemaker_runtime_client = boto_session.client("sagemaker-runtime", endpoint_url=sagemaker_url)
sagemaker.session.Session.wait_for_endpoint.__defaults__ = (1, False)   # poll every second, not 30
from sagemaker import KMeans
from sagemaker.tuner import CategoricalParameter, HyperparameterTuner, IntegerParameter
X, T = np.load("x.npy"), np.load("t.npy")
kmeans = KMeans(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", k=3,
                output_path=f"s3://{bucket}/sdk-tuning", sagemaker_session=session)
tuner = HyperparameterTuner(kmeans, objective_metric_name="test:msd", objective_type="Minimize",
                            hyperparameter_ranges={"extra_center_factor": IntegerParameter(4, 10),
                                                   "init_method": CategoricalParameter(["kmeans++", "random"])},
                            max_jobs=3, max_parallel_jobs=2, strategy="Random")
tuner.fit([kmeans.record_set(X), kmeans.record_set(T, channel="test")], mini_batch_size=100,
          job_name="sdk-tuning", include_cls_metadata=False)
tuner.wait()
best = tuner.best_training_job()
frame = tuner.analytics().dataframe()
described = session.sagemaker_client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="sdk-tuning")
predictor = tuner.deploy(initial_instance_count=1, instance_type="ml.m5.large")
clusters = [r.label["closest_cluster"].float32_tensor.values[0] for r in predictor.predict(X[:30])]
model_data = session.sagemaker_client.describe_model(ModelName=predictor._get_model_names()[0])["PrimaryContainer"]["ModelDataUrl"]
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"best": best, "clusters": clusters, "model_data": model_data, "status": described["HyperParameterTuningJobStatus"],
                  "static": described["TrainingJobDefinition"]["StaticHyperParameters"],
                  "best_value": described["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
                  "columns": sorted(frame.columns),
                  "rows": frame[["TrainingJobName", "FinalObjectiveValue", "extra_center_factor",
                                 "init_method", "TrainingJobStatus"]].to_dict("records")}))
"""


def test_hyperparameter_tuner_through_the_sdk(server, s3_server, s3_bucket, run_oracle, tmp_path):
    np.save(tmp_path / "x.npy", clustered(300))
    np.save(tmp_path / "t.npy", clustered(150, seed=1))
    printed = run_oracle(TUNER, server.url, s3_server.url, s3_bucket, tmp_path).strip().splitlines()
    answer = json.loads(printed[-1])
    assert answer["status"] == "Completed"
    assert (answer["static"]["k"], answer["static"]["feature_dim"]) == ("3", "4")
    rows = answer["rows"]
    assert len(rows) == 3 and all(r["TrainingJobStatus"] == "Completed" for r in rows)
    assert all(4 <= float(r["extra_center_factor"]) <= 10 for r in rows)
    assert {r["init_method"] for r in rows} <= {"kmeans++", "random"}
    lowest = min(r["FinalObjectiveValue"] for r in rows)
    by_name = {r["TrainingJobName"]: r["FinalObjectiveValue"] for r in rows}
    assert by_name[answer["best"]] == answer["best_value"] == lowest      # (ties are possible)
    assert lowest < 2.0        # points 0.5 sd around 3 centres in 4 dimensions: msd about 4 * 0.25
    assert {"TrainingElapsedTimeSeconds", "TrainingStartTime", "TrainingEndTime"} <= set(answer["columns"])
    # deploy() serves the best training job's model: three clusters, each row in its true one
    assert answer["model_data"].endswith(f"/sdk-tuning/{answer['best']}/output/model.tar.gz")
    X = np.load(tmp_path / "x.npy")[:30]
    truth = np.linalg.norm(X[:, None, :] - CENTRES[None, :, :], axis=2).argmin(axis=1)
    clusters = np.array(answer["clusters"]).astype(int)
    assert len(set(zip(truth, clusters))) == 3 == len(set(clusters))
