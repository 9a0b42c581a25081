"""The SageMaker Python SDK's ``sagemaker.FactorizationMachines`` against ``smemu server``:
``fit(record_set(...))``, ``deploy()`` and ``predict()`` through the SDK's own RecordSerializer /
RecordDeserializer (and a JSON request), answers checked against the formula evaluated on the
trained params that real mxnet reads from the model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from api.test_sagemaker_sdk import ENDPOINT_SESSION  # the SDK pointed at smemu and the S3 server

from algorithms.fm_reference import fm_direct
from smemu.algorithms.factorization_machines.sample import interaction_data

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

#: the SDK session of api/test_sagemaker_sdk.py, plus its runtime client pointed at smemu and
#: endpoint polling every second; JSONSerializer / JSONDeserializer imported
ENDPOINTS = ENDPOINT_SESSION + r"""
from sagemaker.serializers import JSONSerializer
from sagemaker.deserializers import JSONDeserializer
"""

FIT_DEPLOY = ENDPOINTS + r"""
import mxnet as mx
from sagemaker import FactorizationMachines
X, y = np.load("x.npy"), np.load("y.npy")
fm = FactorizationMachines(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
                           num_factors=8, predictor_type="binary_classifier", epochs=20,
                           bias_lr=0.05, linear_lr=0.05, factors_lr=0.05, factors_init_sigma=0.1,
                           output_path=f"s3://{bucket}/sdk-fm", sagemaker_session=session)
fm.fit(fm.record_set(X, labels=y), mini_batch_size=100, logs=False)
status = session.describe_training_job(fm.latest_training_job.name)["TrainingJobStatus"]
names, model = model_file(fm.model_data)
zipfile.ZipFile(io.BytesIO(model)).extractall("unzipped")
os.rename("unzipped/symbol.json", "unzipped/model-symbol.json")
os.rename("unzipped/params", "unzipped/model-0000.params")
m = mx.module.Module.load("unzipped/model", 0, False, label_names=["out_label"])
params = {k: m._arg_params[k].asnumpy().tolist() for k in ("w0_weight", "w1_weight", "v")}
predictor = fm.deploy(initial_instance_count=1, instance_type="ml.m5.large")
records = predictor.predict(X[:30])
answers = [{"score": r.label["score"].float32_tensor.values[0],
            "predicted_label": r.label["predicted_label"].float32_tensor.values[0]} for r in records]
predictor.serializer, predictor.deserializer = JSONSerializer(), JSONDeserializer()
as_json = predictor.predict({"instances": [{"features": row} for row in X[:30].tolist()]})
predictor.delete_endpoint()
print()
print(json.dumps({"status": status, "names": names, "params": params, "answers": answers,
                  "json": as_json}))
"""


def test_factorization_machines_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle,
                                                   tmp_path):
    X, y = interaction_data(np.random.default_rng(12), rows=1500)
    X = X.toarray()   # record_set writes dense tensors
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", y)
    output = run_oracle(FIT_DEPLOY, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["status"] == "Completed" and answer["names"] == ["model_algo-1"]
    p = {k: np.asarray(v, dtype=np.float32) for k, v in answer["params"].items()}
    raw = fm_direct(p["w0_weight"], p["w1_weight"], p["v"], X[:30])
    probability = 1 / (1 + np.exp(-raw))
    np.testing.assert_allclose([a["score"] for a in answer["answers"]], probability,
                               rtol=1e-4, atol=1e-5)
    assert [a["predicted_label"] for a in answer["answers"]] == \
        (probability >= 0.5).astype(float).tolist()
    assert answer["json"]["predictions"] == [
        {"score": a["score"], "predicted_label": a["predicted_label"]} for a in answer["answers"]]
    assert np.mean((probability >= 0.5) == (y[:30] == 1)) > 0.8
