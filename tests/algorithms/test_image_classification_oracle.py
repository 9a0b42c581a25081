"""Image classification files against the real MXNet 1.9.1 (the oracle environment): im2rec
records packed by ``mxnet.recordio.pack_img`` read back by smemu with their labels and pixels, and
the model files loaded by ``mx.mod.Module.load`` computing the probabilities the endpoint serves."""

from __future__ import annotations

import json

import numpy as np
import pytest

from smemu.algorithms.image_classification import sample as ic_sample
from smemu.algorithms.image_classification.artifact import model_files
from smemu.algorithms.image_classification.inference import load_model
from smemu.algorithms.base import ModelArtifact
from smemu.formats.images import decode_image, read_image_recordio

pytestmark = pytest.mark.oracle

PACK = r"""
import sys, mxnet as mx
path, multi, *images = sys.argv[1:]
writer = mx.recordio.MXRecordIO(path, "w")
for i, image in enumerate(images):
    label = [1.0, 0.0, float(i % 2)] if multi == "1" else float(i % 3)
    writer.write(mx.recordio.pack(mx.recordio.IRHeader(0, label, i, 0), open(image, "rb").read()))
writer.close()
"""


@pytest.mark.parametrize("multi", [False, True])
def test_records_packed_by_mxnet_read_back(tmp_path, run_oracle, multi):
    encoded, _ = ic_sample.shapes(np.random.default_rng(3), 4)
    paths = []
    for i, data in enumerate(encoded):
        paths.append(tmp_path / f"{i}.png")
        paths[-1].write_bytes(data)
    run_oracle(PACK, tmp_path / "train.rec", "1" if multi else "0", *paths)
    (batch,) = read_image_recordio(tmp_path / "train.rec", name="train.rec")
    for row, data in zip(batch.features, encoded):
        np.testing.assert_array_equal(row[0], decode_image(data, "sample"))
    expected = [[1.0, 0.0, float(i % 2)] for i in range(4)] if multi else [0.0, 1.0, 2.0, 0.0]
    np.testing.assert_array_equal(batch.labels, expected)


FORWARD = r"""
import sys, json, mxnet as mx, numpy as np
prefix, image_file = sys.argv[1], sys.argv[2]
shapes = json.load(open(prefix.rsplit("/", 1)[0] + "/model-shapes.json"))
module = mx.mod.Module.load(prefix, 0, label_names=["softmax_label"])
module.bind(data_shapes=[(d["name"], d["shape"]) for d in shapes], for_training=False)
image = np.load(image_file)                       # (H, W, 3) uint8, already the input size
batch = mx.io.DataBatch([mx.nd.array(image.transpose(2, 0, 1)[None].astype("float32"))])
module.forward(batch, is_train=False)
print(json.dumps(module.get_outputs()[0].asnumpy()[0].tolist()))
"""


def test_module_load_runs_the_served_model(tmp_path, run_oracle):
    rng = np.random.default_rng(4)
    weight = rng.normal(size=(3, 192)).astype(np.float32)
    bias = rng.normal(size=3).astype(np.float32)
    files = model_files(weight, bias, (3, 32, 32), multi_label=False, epoch=0)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    image = decode_image(ic_sample.shape_image(rng, 1), "sample")
    np.save(tmp_path / "image.npy", image)
    theirs = json.loads(run_oracle(FORWARD, tmp_path / "image-classification",
                                   tmp_path / "image.npy"))
    column = np.empty((1, 1), dtype=object)
    column[0, 0] = image
    mine = load_model(ModelArtifact(layout="files", files=files)).predict(column)["probabilities"]
    np.testing.assert_allclose(mine[0], theirs, rtol=1e-4, atol=1e-6)
