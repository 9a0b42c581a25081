"""The k-means model as users load it: real ``mx.nd.load`` (the oracle's mxnet 1.9.1) reads
``model_algo-1`` as a list of one float32 (k, feature_dim) NDArray holding the centroids."""

import json

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from smemu.algorithms import get_algorithm
from smemu.algorithms.reporting import Reporter
from smemu.containers.artifacts import write_model

from channels import ArrayChannel  # tests/algorithms/channels.py

LOAD = """
import json, sys
import mxnet as mx
loaded = mx.nd.load(sys.argv[1])
print(json.dumps({"type": type(loaded).__name__,
                  "arrays": [{"shape": list(a.shape), "dtype": str(a.dtype), "context": str(a.context),
                              "values": a.asnumpy().tolist()} for a in loaded]}))
"""


@pytest.mark.oracle
def test_mxnet_loads_the_centroids(tmp_path, run_oracle):
    X, _ = make_blobs(2000, 7, centers=8, random_state=5)
    algo = get_algorithm("kmeans")
    config = algo.schema.resolve({"k": "8", "feature_dim": "7", "force_dense": "True"})
    artifact = algo.train(config, {"train": ArrayChannel(X.astype(np.float32))},
                          Reporter(algo.metrics_name))
    path = write_model(artifact, tmp_path / "model")

    loaded = json.loads(run_oracle(LOAD, path))
    assert loaded["type"] == "list" and len(loaded["arrays"]) == 1
    (array,) = loaded["arrays"]
    assert array["shape"] == [8, 7] and array["dtype"] == "<class 'numpy.float32'>"
    assert array["context"] == "cpu(0)"
    np.testing.assert_array_equal(np.array(array["values"], np.float32), artifact.arrays[0])
