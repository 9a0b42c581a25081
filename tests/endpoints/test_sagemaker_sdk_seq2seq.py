"""The SageMaker Python SDK (v2, in the oracle environment) running Seq2Seq on smemu as the seq2seq
example notebook does: ``image_uris.retrieve("seq2seq", region)``, ``Estimator.fit`` with the
``train``, ``validation`` and ``vocab`` channels (no ContentType), ``deploy()`` and ``predict()``
with ``{"instances": [{"data": "source sentence"}]}`` as JSON. The translations are checked
against the synthetic corpus's reference translations."""

from __future__ import annotations

import json

import numpy as np
import pytest
from api.test_sagemaker_sdk import ENDPOINT_SESSION  # the SDK pointed at smemu and the S3 server

from smemu.algorithms.seq2seq.sample import corpus_files

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

SEQ2SEQ = ENDPOINT_SESSION + r"""
import os
from sagemaker.estimator import Estimator
from sagemaker.serializers import JSONSerializer
from sagemaker.deserializers import JSONDeserializer
s3 = boto_session.client("s3")
for channel in ("train", "validation", "vocab"):
    for name in os.listdir(channel):
        s3.put_object(Bucket=bucket, Key=f"s2s/{channel}/{name}",
                      Body=open(os.path.join(channel, name), "rb").read())
image = sagemaker.image_uris.retrieve("seq2seq", "us-east-1")
estimator = Estimator(image_uri=image, role=ROLE, instance_count=1, instance_type="ml.p3.2xlarge",
                      output_path=f"s3://{bucket}/sdk-seq2seq", sagemaker_session=session)
estimator.set_hyperparameters(max_num_epochs=5, optimized_metric="bleu", bleu_sample_size=-1)
estimator.fit({channel: f"s3://{bucket}/s2s/{channel}/"
               for channel in ("train", "validation", "vocab")}, logs=False)
job = session.describe_training_job(estimator.latest_training_job.name)
predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m4.xlarge",
                             serializer=JSONSerializer(), deserializer=JSONDeserializer())
sentences = json.load(open("sentences.json"))
answer = predictor.predict({"instances": [{"data": s} for s in sentences]})
predictor.delete_model()
predictor.delete_endpoint()
print()
print(json.dumps({"image": image, "status": job["TrainingJobStatus"],
                  "metrics": job["FinalMetricDataList"], "answer": answer}, default=str))
"""


def test_estimator_fit_deploy_predict(server, s3_server, s3_bucket, run_oracle, tmp_path):
    files, encoded, (sv, tv) = corpus_files(np.random.default_rng(5))
    for channel, named in files.items():
        (tmp_path / channel).mkdir()
        for name, data in named.items():
            (tmp_path / channel / name).write_bytes(data)
    sw = {i: w for w, i in sv.items()}
    tw = {i: w for w, i in tv.items()}
    sources, targets = encoded["validation"]
    sentences = [" ".join(sw[int(i)] for i in s) for s in sources[:6]]
    (tmp_path / "sentences.json").write_text(json.dumps(sentences))
    output = run_oracle(SEQ2SEQ, server.url, s3_server.url, s3_bucket, tmp_path)
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["image"].endswith("/seq2seq:1")
    assert answer["status"] == "Completed"
    metrics = {m["MetricName"]: m["Value"] for m in answer["metrics"]}
    assert metrics["validation:bleu"] > 0.9 and metrics["validation:perplexity"] > 1
    assert [p["target"] for p in answer["answer"]["predictions"]] == \
        [" ".join(tw[int(i)] for i in t) for t in targets[:6]]
