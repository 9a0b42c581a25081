"""The SageMaker Python SDK (v2, in the oracle environment) with smemu's topic models:
``sagemaker.LDA`` and ``sagemaker.NTM`` ``fit(record_set)``, ``deploy()`` and ``predict()``
through the SDK's own RecordSerializer/RecordDeserializer; the topic mixtures / weights it gets
back recover the documents' dominant topics and the model files load in real mxnet."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from test_sagemaker_sdk_pca_knn import DEPLOYING  # the SDK Session, deploying to smemu

from smemu.algorithms.topic_models.corpus import synthetic_corpus

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

LDA = DEPLOYING + r"""
from sagemaker import LDA
X = np.load("x.npy")
lda = LDA(role=ROLE, instance_type="ml.c5.xlarge", num_topics=4, alpha0=0.4,
          output_path=f"s3://{bucket}/sdk-lda", sagemaker_session=session)
lda.fit(lda.record_set(X), mini_batch_size=200, logs=False)
status = session.describe_training_job(lda.latest_training_job.name)["TrainingJobStatus"]
names, model = model_file(lda.model_data)
open("model_algo-1", "wb").write(model)
alpha, beta = (a.asnumpy() for a in mx.nd.load("model_algo-1"))
predictor = lda.deploy(initial_instance_count=1, instance_type="ml.m5.large")
records = predictor.predict(X[:300])
mixtures = [list(r.label["topic_mixture"].float32_tensor.values) for r in records]
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"status": status, "names": names, "alpha": alpha.tolist(),
                  "beta_shape": list(beta.shape), "mixtures": mixtures}))
"""


def test_lda_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    corpus = synthetic_corpus(np.random.default_rng(11), documents=1500)
    np.save(tmp_path / "x.npy", corpus.counts)
    output = run_oracle(LDA, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["status"] == "Completed" and answer["names"] == ["model_algo-1"]
    assert len(answer["alpha"]) == 4 and answer["beta_shape"] == [4, 40]
    mixtures = np.array(answer["mixtures"])
    assert mixtures.shape == (300, 4)
    np.testing.assert_allclose(mixtures.sum(axis=1), 1.0, rtol=1e-4)
    assert adjusted_rand_score(corpus.dominant[:300], mixtures.argmax(axis=1)) >= 0.8


NTM = DEPLOYING + r"""
from sagemaker import NTM
X = np.load("x.npy")
ntm = NTM(role=ROLE, instance_count=1, instance_type="ml.c5.xlarge", num_topics=4,
          output_path=f"s3://{bucket}/sdk-ntm", sagemaker_session=session)
train = ntm.record_set(X[:1200])
# the NTM guide: optional channels must be FullyReplicated (record_set defaults to sharded)
validation = ntm.record_set(X[1200:], channel="validation", distribution="FullyReplicated")
ntm.fit([train, validation], mini_batch_size=100, logs=False)
job = session.describe_training_job(ntm.latest_training_job.name)
names, model = model_file(ntm.model_data)
open("model_algo-1", "wb").write(model)
arrays = mx.nd.load("model_algo-1")
predictor = ntm.deploy(initial_instance_count=1, instance_type="ml.m5.large")
records = predictor.predict(X[:300])
weights = [list(r.label["topic_weights"].float32_tensor.values) for r in records]
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"status": job["TrainingJobStatus"], "names": names,
                  "metrics": {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])},
                  "arrays": sorted(arrays), "weights": weights}))
"""


def test_ntm_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    corpus = synthetic_corpus(np.random.default_rng(12), documents=1500)
    np.save(tmp_path / "x.npy", corpus.counts)
    output = run_oracle(NTM, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["status"] == "Completed" and answer["names"] == ["model_algo-1"]
    assert {"enc0_weight", "dec_weight", "mu_weight"} <= set(answer["arrays"])
    assert answer["metrics"]["validation:total_loss"] > 0
    weights = np.array(answer["weights"])
    assert weights.shape == (300, 4)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-4)
    assert adjusted_rand_score(corpus.dominant[:300], weights.argmax(axis=1)) >= 0.6
