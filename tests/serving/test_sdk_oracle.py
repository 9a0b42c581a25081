"""What SageMaker Python SDK users send and read, against the real libraries (the oracle
environment: sagemaker v2, mxnet 1.9.1): a "bring your own model" k-means ``model_algo-1`` saved by
real ``mx.nd.save``; requests serialised by the SDK's ``RecordSerializer`` (what ``KMeansPredictor``
sends) and ``CSVSerializer``/``JSONSerializer``; RecordIO responses parsed by its
``RecordDeserializer``."""

import json

import numpy as np
import pytest
from serving_helpers import LiveServer, nearest

SAVE_MODEL_AND_REQUEST = """
import io, json, sys
import numpy as np
import mxnet as mx
from sagemaker.amazon.common import RecordSerializer
from sagemaker.serializers import CSVSerializer, JSONSerializer
centroids, rows = (np.array(json.loads(a), dtype=np.float32) for a in sys.argv[2:4])
mx.nd.save(sys.argv[1] + "/model/model_algo-1", [mx.nd.array(centroids)])
with open(sys.argv[1] + "/request.pbr", "wb") as f:
    f.write(RecordSerializer().serialize(rows).getvalue())
with open(sys.argv[1] + "/request.csv", "w") as f:
    f.write(CSVSerializer().serialize(rows))
with open(sys.argv[1] + "/request.json", "w") as f:
    f.write(JSONSerializer().serialize({"instances": [{"features": r} for r in rows.tolist()]}))
"""

READ_RECORDS = """
import io, json, sys
from sagemaker.amazon.common import RecordDeserializer
records = RecordDeserializer().deserialize(io.BytesIO(sys.stdin.buffer.read()),
                                           "application/x-recordio-protobuf")
print(json.dumps([{k: list(v.float32_tensor.values) for k, v in r.label.items()}
                  for r in records]))
"""

def last_line_json(output: str):
    """The snippet's JSON line (the SDK prints its config notices on stdout before it)."""
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.oracle
def test_sdk_requests_and_responses_with_a_model_mxnet_saved(tmp_path, run_oracle):
    rng = np.random.default_rng(8)
    centroids = rng.normal(size=(4, 5)).astype(np.float32) * 2
    rows = rng.normal(size=(25, 5)).astype(np.float32) * 2
    (tmp_path / "model").mkdir()
    run_oracle(SAVE_MODEL_AND_REQUEST, tmp_path, json.dumps(centroids.tolist()),
               json.dumps(rows.tolist()))
    closest, distance = nearest(centroids, rows)

    server = LiveServer(tmp_path, "kmeans")
    try:
        status, _, body = server.invoke((tmp_path / "request.pbr").read_bytes(),
                                        "application/x-recordio-protobuf",
                                        "application/x-recordio-protobuf")
        assert status == 200
        records = last_line_json(run_oracle(READ_RECORDS, input=body))
        assert len(records) == len(rows)
        assert [r["closest_cluster"] for r in records] == [[c] for c in closest.astype(float)]
        np.testing.assert_allclose([r["distance_to_cluster"][0] for r in records], distance,
                                   rtol=1e-6, atol=1e-6)

        for name, content_type in (("request.csv", "text/csv"),
                                   ("request.json", "application/json")):
            status, _, body = server.invoke((tmp_path / name).read_bytes(), content_type,
                                            "application/json")
            assert status == 200
            predictions = json.loads(body)["predictions"]   # JSONDeserializer is json.load
            assert [p["closest_cluster"] for p in predictions] == closest.astype(float).tolist()
            np.testing.assert_allclose([p["distance_to_cluster"] for p in predictions],
                                       distance, rtol=1e-6, atol=1e-6)
    finally:
        server.close()
