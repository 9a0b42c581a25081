"""The SageMaker Python SDK (v2, in the oracle environment) with smemu's IP Insights:
``sagemaker.IPInsights.fit`` on RecordSets of entity,IP CSV files in S3 (no ContentType, as the
SDK sends them), ``deploy()`` and ``predict()``
through the SDK's IPInsightsPredictor (CSV in, JSON out); the scores rank each entity's own
addresses above other entities' addresses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_sagemaker_sdk_pca_knn import DEPLOYING  # the SDK Session, deploying to smemu

from smemu.algorithms.ipinsights import auc
from smemu.algorithms.ipinsights.sample import other_entity_pairs, synthetic_events

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

IPINSIGHTS = DEPLOYING + r"""
from sagemaker import IPInsights
from sagemaker.amazon.amazon_estimator import RecordSet
s3 = boto_session.client("s3")
s3.put_object(Bucket=bucket, Key="ipi/train/events.csv", Body=open("train.csv", "rb").read())
s3.put_object(Bucket=bucket, Key="ipi/validation/events.csv", Body=open("validation.csv", "rb").read())
ipi = IPInsights(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
                 num_entity_vectors=600, vector_dim=32, epochs=6, mini_batch_size=500,
                 learning_rate=0.01, output_path=f"s3://{bucket}/sdk-ipi",
                 sagemaker_session=session)
# as the SDK's own integration test does: RecordSets of CSV files, which set no ContentType
ipi.fit([RecordSet(f"s3://{bucket}/ipi/train/", 6000, 2, "S3Prefix", "train", "FullyReplicated"),
         RecordSet(f"s3://{bucket}/ipi/validation/", 800, 2, "S3Prefix", "validation",
                   "FullyReplicated")], logs=False)
job = session.describe_training_job(ipi.latest_training_job.name)
predictor = ipi.deploy(initial_instance_count=1, instance_type="ml.m5.large")
pairs = json.load(open("pairs.json"))
answer = predictor.predict(pairs)
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"status": job["TrainingJobStatus"],
                  "metrics": {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])},
                  "scores": [p["dot_product"] for p in answer["predictions"]]}))
"""


def test_ipinsights_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    rng = np.random.default_rng(8)
    rows = synthetic_events(rng, entities=300, events=7000)
    train, held_out = rows[:6000], rows[6000:6200]
    for name, part in (("train.csv", train), ("validation.csv", rows[6200:])):
        (tmp_path / name).write_text("\n".join(f"{e},{ip}" for e, ip in part) + "\n")
    negatives = other_entity_pairs(held_out, rng)
    pairs = [list(r) for r in held_out] + [list(r) for r in negatives]
    (tmp_path / "pairs.json").write_text(json.dumps(pairs))
    output = run_oracle(IPINSIGHTS, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["status"] == "Completed"
    assert answer["metrics"]["validation:discriminator_auc"] > 0.9
    scores = np.array(answer["scores"])
    assert auc(scores[:200], scores[200:]) >= 0.85
