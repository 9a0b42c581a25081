"""The SageMaker Python SDK (v2, in the oracle environment) with smemu's PCA and k-NN:
``sagemaker.PCA`` and ``sagemaker.KNN`` ``fit(record_set)``, ``deploy()`` and
``predictor.predict()`` through the SDK's own RecordSerializer/RecordDeserializer; the artifact
read with real mxnet, the answers checked against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from api.test_sagemaker_sdk import ENDPOINT_SESSION  # the SDK pointed at smemu and the S3 server
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA as SkPCA
from sklearn.neighbors import KNeighborsClassifier

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

DEPLOYING = ENDPOINT_SESSION + r"""
import mxnet as mx
"""

PCA = DEPLOYING + r"""
from sagemaker import PCA
X = np.load("x.npy")
pca = PCA(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", num_components=3,
          output_path=f"s3://{bucket}/sdk-pca", sagemaker_session=session)
pca.fit(pca.record_set(X), mini_batch_size=100, logs=False)
names, model = model_file(pca.model_data)
open("model_algo-1", "wb").write(model)
arrays = {k: v.asnumpy().tolist() for k, v in mx.nd.load("model_algo-1").items()}
predictor = pca.deploy(initial_instance_count=1, instance_type="ml.m5.large")
records = predictor.predict(X[:20])
projections = [list(r.label["projection"].float32_tensor.values) for r in records]
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"names": names, "arrays": arrays, "projections": projections}))
"""

KNN = DEPLOYING + r"""
from sagemaker import KNN
X, y, queries = np.load("x.npy"), np.load("y.npy"), np.load("q.npy")
knn = KNN(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", k=5, sample_size=len(X),
          predictor_type="classifier", output_path=f"s3://{bucket}/sdk-knn",
          sagemaker_session=session)
knn.fit(knn.record_set(X, labels=y), mini_batch_size=200, logs=False)
names, model = model_file(knn.model_data)
open("model_algo-1", "wb").write(model)
keys = sorted(mx.nd.load("model_algo-1"))
predictor = knn.deploy(initial_instance_count=1, instance_type="ml.m5.large")
records = predictor.predict(queries)
labels = [r.label["predicted_label"].float32_tensor.values[0] for r in records]
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"names": names, "keys": keys, "labels": labels}))
"""


def test_pca_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    rng = np.random.default_rng(11)
    basis = np.linalg.qr(rng.normal(size=(8, 8)))[0]
    X = (rng.normal(size=(600, 8)) * [9, 5, 3, 1, .5, .3, .2, .1] @ basis.T + 4).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    output = run_oracle(PCA, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["names"] == ["model_algo-1"]
    s, v, mean = (np.array(answer["arrays"][k]) for k in ("s", "v", "mean"))
    assert s.shape == (3,) and v.shape == (8, 3) and mean.shape == (1, 8)
    reference = SkPCA(n_components=3, svd_solver="full").fit(X.astype(np.float64))
    np.testing.assert_allclose(s[::-1], reference.singular_values_, rtol=1e-4)
    assert subspace_angles(v, reference.components_.T).max() < 1e-3
    np.testing.assert_allclose(answer["projections"], (X[:20] - mean) @ v, rtol=1e-3, atol=1e-3)


def test_knn_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    rng = np.random.default_rng(12)
    centres = rng.normal(scale=4.0, size=(3, 6))
    label = rng.integers(0, 3, size=500)
    X = (centres[label] + rng.normal(size=(500, 6))).astype(np.float32)
    queries = (centres[rng.integers(0, 3, size=30)] + rng.normal(size=(30, 6))).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", label.astype(np.float32))
    np.save(tmp_path / "q.npy", queries)
    output = run_oracle(KNN, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["names"] == ["model_algo-1"]
    assert answer["keys"] == ["config", "index", "labels"]
    expected = KNeighborsClassifier(5, algorithm="brute").fit(X, label).predict(queries)
    assert answer["labels"] == expected.astype(float).tolist()
