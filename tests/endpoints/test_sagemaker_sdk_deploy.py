"""The SageMaker Python SDK (v2, in the oracle environment) deploying to smemu: KMeans
``fit(record_set)``, ``deploy()`` and ``predictor.predict()`` through its own RecordSerializer and
RecordDeserializer, and ``transformer().transform()`` over a CSV file on S3, answers checked
against the trained centroids; ``delete_model`` and ``delete_endpoint`` clean up."""

from __future__ import annotations

import json

import numpy as np
import pytest
from api.test_sagemaker_sdk import ENDPOINT_SESSION  # the SDK pointed at smemu and the S3 server
from endpoint_helpers import nearest

from emulator.jobdata import centre_error, clustered

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

DEPLOY = ENDPOINT_SESSION + r"""
import mxnet as mx
from sagemaker import KMeans
X = np.load("x.npy")
kmeans = KMeans(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", k=3,
                output_path=f"s3://{bucket}/sdk-kmeans", sagemaker_session=session)
kmeans.fit(kmeans.record_set(X), logs=False)
_, model = model_file(kmeans.model_data)
open("model_algo-1", "wb").write(model)
centroids = mx.nd.load("model_algo-1")[0].asnumpy()
predictor = kmeans.deploy(initial_instance_count=1, instance_type="ml.m5.large")
described = session.sagemaker_client.describe_endpoint(EndpointName=predictor.endpoint_name)
status = described["EndpointStatus"]
records = predictor.predict(X[:50])
answers = [{"cluster": r.label["closest_cluster"].float32_tensor.values[0],
            "distance": r.label["distance_to_cluster"].float32_tensor.values[0]} for r in records]
boto_session.client("s3").put_object(
    Bucket=bucket, Key="transform-in/rows.csv",
    Body="\n".join(",".join(str(v) for v in row) for row in X[:50]).encode())
transformer = kmeans.transformer(instance_count=1, instance_type="ml.m5.large",
                                 output_path=f"s3://{bucket}/transform-out", strategy="MultiRecord",
                                 accept="application/jsonlines", assemble_with="Line")
transformer.transform(f"s3://{bucket}/transform-in/", content_type="text/csv", split_type="Line",
                      wait=False)
transformer.wait(logs=False)
out = boto_session.client("s3").get_object(Bucket=bucket, Key="transform-out/rows.csv.out")
transformed = [json.loads(line) for line in out["Body"].read().decode().splitlines()]
predictor.delete_model()       # it reads the model names from the endpoint configuration,
predictor.delete_endpoint()    # which delete_endpoint removes
print()   # after the progress marks deploy() prints without a newline
print(json.dumps({"status": status, "endpoint": predictor.endpoint_name, "answers": answers,
                  "centroids": centroids.tolist(), "transformed": transformed}))
"""


def test_kmeans_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    X = clustered(600, seed=4)
    np.save(tmp_path / "x.npy", X)
    output = run_oracle(DEPLOY, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["status"] == "InService"
    centroids = np.array(answer["centroids"])
    assert centre_error(centroids) < 0.5
    cluster, distance = nearest(centroids, X[:50])
    assert [a["cluster"] for a in answer["answers"]] == cluster.astype(float).tolist()
    np.testing.assert_allclose([a["distance"] for a in answer["answers"]], distance, rtol=1e-4,
                               atol=1e-4)
    transformed = answer["transformed"]      # the SDK's Transformer: CreateTransformJob
    assert [t["closest_cluster"] for t in transformed] == cluster.astype(float).tolist()
    np.testing.assert_allclose([t["distance_to_cluster"] for t in transformed], distance,
                               rtol=1e-4, atol=1e-4)
    sagemaker = server.client()
    names = [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]]
    assert answer["endpoint"] not in names
    assert answer["endpoint"] not in [m["ModelName"] for m in sagemaker.list_models()["Models"]]
