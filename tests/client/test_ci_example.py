"""Testing SageMaker code in CI with smemu's pytest plugin (README: "Testing your SageMaker code
in CI" shows this file): the SDK's own KMeans estimator trains, deploys, predicts and cleans up
against smemu, unchanged."""

import numpy as np
from sagemaker import KMeans


def test_kmeans_train_deploy_predict(sagemaker_session, sagemaker_role):
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    X = np.vstack([c + rng.normal(scale=0.5, size=(100, 2)) for c in centres]).astype("float32")

    kmeans = KMeans(role=sagemaker_role, instance_count=1, instance_type="ml.m5.xlarge", k=3,
                    sagemaker_session=sagemaker_session)
    kmeans.fit(kmeans.record_set(X))
    predictor = kmeans.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge")
    try:
        records = predictor.predict(X[[0, 100, 200]])
        clusters = [r.label["closest_cluster"].float32_tensor.values[0] for r in records]
        assert len(set(clusters)) == 3          # one record of each blob, three clusters
    finally:
        predictor.delete_endpoint()
