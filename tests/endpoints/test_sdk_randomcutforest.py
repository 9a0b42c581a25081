"""The SageMaker Python SDK's ``sagemaker.RandomCutForest`` against ``smemu server``:
``fit(record_set(...))`` (a ShardedByS3Key train channel, mini_batch_size 1000 as the SDK fixes
it), ``deploy()`` and ``predict()`` through the SDK's RecordSerializer / RecordDeserializer and a
JSON request answered as ``{"scores": [{"score": ...}]}``; the scores separate the injected
anomalies."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_sdk_factorization_machines import ENDPOINTS

from smemu.algorithms.randomcutforest.sample import anomaly_data

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

FIT_DEPLOY = ENDPOINTS + r"""
from sagemaker import RandomCutForest
X = np.load("x.npy")
rcf = RandomCutForest(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
                      num_samples_per_tree=128, num_trees=50,
                      output_path=f"s3://{bucket}/sdk-rcf", sagemaker_session=session)
rcf.fit(rcf.record_set(X), logs=False)
job = session.describe_training_job(rcf.latest_training_job.name)
names, _ = model_file(rcf.model_data)
predictor = rcf.deploy(initial_instance_count=1, instance_type="ml.m5.large")
records = predictor.predict(X)
scores = [r.label["score"].float32_tensor.values[0] for r in records]
predictor.serializer, predictor.deserializer = JSONSerializer(), JSONDeserializer()
as_json = predictor.predict({"instances": [{"features": row} for row in X[:5].tolist()]})
predictor.delete_endpoint()
print()
print(json.dumps({"status": job["TrainingJobStatus"], "names": names, "scores": scores,
                  "hyperparameters": job["HyperParameters"], "json": as_json,
                  "distribution": job["InputDataConfig"][0]["DataSource"]["S3DataSource"][
                      "S3DataDistributionType"]}))
"""


def test_random_cut_forest_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    X, y = anomaly_data(np.random.default_rng(13), rows=1000, dim=3, anomalies=10)
    np.save(tmp_path / "x.npy", X)
    output = run_oracle(FIT_DEPLOY, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["status"] == "Completed" and answer["names"] == ["model_algo-1"]
    assert answer["distribution"] == "ShardedByS3Key"
    assert answer["hyperparameters"]["mini_batch_size"] == "1000"
    scores = np.asarray(answer["scores"])
    normal = scores[y == 0]
    assert (scores[y == 1] > normal.mean() + 3 * normal.std()).mean() >= 0.8
    assert answer["json"] == {"scores": [{"score": s} for s in answer["scores"][:5]]}
