"""The SageMaker Python SDK (v2, in the oracle environment) running XGBoost on smemu as its users
write it: ``image_uris.retrieve("xgboost", region, "1.7-1")``, ``Estimator(image_uri=...)``,
``fit`` with train and validation ``TrainingInput``s of text/csv, ``deploy()`` and
``predict()`` with ``CSVSerializer``. The answers are checked against the trained model loaded
with the ``xgboost`` library in the test process."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import xgboost as xgb
from api.test_sagemaker_sdk import ENDPOINT_SESSION  # the SDK pointed at smemu and the S3 server

pytestmark = [pytest.mark.oracle, pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:.*Unknown file format")]

XGBOOST = ENDPOINT_SESSION + r"""
import base64
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.serializers import CSVSerializer
s3 = boto_session.client("s3")
for name in ("train", "validation"):
    s3.put_object(Bucket=bucket, Key=f"xgb/{name}/{name}.csv",
                  Body=open(f"{name}.csv", "rb").read())
image = sagemaker.image_uris.retrieve("xgboost", "us-east-1", "1.7-1")
estimator = Estimator(image_uri=image, role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
                      output_path=f"s3://{bucket}/sdk-xgboost", sagemaker_session=session)
estimator.set_hyperparameters(objective="reg:squarederror", num_round=20, max_depth=3, eta=0.3)
estimator.fit({name: TrainingInput(f"s3://{bucket}/xgb/{name}/", content_type="text/csv")
               for name in ("train", "validation")}, logs=False)
job = session.describe_training_job(estimator.latest_training_job.name)
_, _, rest = estimator.model_data.partition("s3://")
key_bucket, _, key = rest.partition("/")
body = s3.get_object(Bucket=key_bucket, Key=key)["Body"].read()
with tarfile.open(fileobj=io.BytesIO(body)) as tar:
    names = tar.getnames()
    model = tar.extractfile("xgboost-model").read()
predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large",
                             serializer=CSVSerializer())
X = np.load("x.npy")
answer = predictor.predict(X).decode()
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"image": image, "status": job["TrainingJobStatus"], "names": names,
                  "metrics": job["FinalMetricDataList"], "answer": answer,
                  "definitions": job["AlgorithmSpecification"]["MetricDefinitions"],
                  "model": base64.b64encode(model).decode()}, default=str))
"""


def _csv(path, X, y):
    np.savetxt(path, np.column_stack([y, X]), delimiter=",", fmt="%.9g")


def test_estimator_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(500, 4)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1 * rng.normal(size=500)
    _csv(tmp_path / "train.csv", X[:400], y[:400])
    _csv(tmp_path / "validation.csv", X[400:], y[400:])
    np.save(tmp_path / "x.npy", X[400:420])
    output = run_oracle(XGBOOST, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["image"].endswith("/sagemaker-xgboost:1.7-1")
    assert answer["status"] == "Completed" and answer["names"] == ["xgboost-model"]
    metrics = {m["MetricName"]: m["Value"] for m in answer["metrics"]}
    assert set(metrics) == {"train:rmse", "validation:rmse"} and metrics["validation:rmse"] < 1.0
    assert {"validation:auc", "train:rmse", "validation:merror"} <= \
        {d["Name"] for d in answer["definitions"]}

    booster = xgb.Booster()
    booster.load_model(bytearray(base64.b64decode(answer["model"])))
    expected = booster.predict(xgb.DMatrix(X[400:420]))
    got = [float(line) for line in answer["answer"].splitlines()]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
