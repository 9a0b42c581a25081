"""Byte compatibility with the real libraries, run in the oracle environment (tests/oracle.py):
the sagemaker SDK v2's RecordIO-protobuf writer and reader, mxnet 1.9.1's NDArray files and
dmlc-core's RecordIO (through mx.recordio)."""

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.formats import (load_ndarrays, read_recordio, read_recordio_protobuf, save_ndarrays,
                           write_recordio, write_recordio_protobuf, wire_encode)

pytestmark = pytest.mark.oracle

SDK_SCRIPT = r"""
import sys
import numpy as np
import scipy.sparse as sp
from sagemaker.amazon.common import (read_records, write_numpy_to_dense_tensor,
                                     write_spmatrix_to_sparse_tensor)


def case(inputs, sdk_out, smemu_in, read_out):
    z = np.load(inputs)
    labels = z["labels"] if "labels" in z else None
    with open(sdk_out, "wb") as f:
        if "dense" in z:
            write_numpy_to_dense_tensor(f, z["dense"], labels)
        else:
            m = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            write_spmatrix_to_sparse_tensor(f, m, labels)

    # read smemu's file back with the SDK, into arrays
    with open(smemu_in, "rb") as f:
        records = read_records(f)
    out = {}
    rows, keys, ptr, shapes, labs, kinds = [], [], [0], [], [], set()
    for r in records:
        value = r.features["values"]
        kind = value.WhichOneof("value")
        kinds.add(kind)
        t = getattr(value, kind)
        rows.append(np.array(t.values))
        keys.append(np.array(t.keys, dtype=np.int64))
        ptr.append(ptr[-1] + len(t.values))
        shapes.append(list(t.shape))
        if "values" in r.label:
            lv = r.label["values"]
            labs.append(getattr(lv, lv.WhichOneof("value")).values[0])
    out["values"] = np.concatenate(rows)
    out["keys"] = np.concatenate(keys)
    out["indptr"] = np.array(ptr)
    out["kinds"] = np.array(sorted(kinds))
    if labs:
        out["labels"] = np.array(labs)
    np.savez(read_out, **out)


for case_dir in sys.argv[1:]:
    case(*(case_dir + "/" + f for f in ("in.npz", "sdk.pbr", "smemu.pbr", "sdk_read.npz")))
"""


def _case_arrays(kind, dtype, labelled, rng):
    n, d = 257, 13
    if kind == "sparse-keys":  # keys of 1 to 5 varint bytes in a matrix 2**31 - 1 wide, empty rows
        edges = np.array([0, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 2**28 - 1, 2**28, 2**31 - 2])
        rows = [np.unique(rng.choice(edges, size=rng.integers(0, 6))) if i % 7 else edges[:0]
                for i in range(n)]
        indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
        values = (rng.integers(-1000, 1000, size=int(indptr[-1])) if dtype == "int"
                  else rng.normal(size=int(indptr[-1])).astype(dtype))
        features = sp.csr_matrix((values, np.concatenate(rows).astype(np.int32), indptr),
                                 shape=(n, 2**31 - 1))
        labels = rng.integers(-5, 5, size=n) if dtype == "int" else rng.normal(size=n).astype(dtype)
        return features, (labels if labelled else None)
    if kind == "sparse-wide":  # keys of up to 3 varint bytes
        features = sp.random(n, 300_000, density=0.0005, format="csr", random_state=rng,
                             dtype=dtype)
        return features, (rng.normal(size=n).astype(dtype) if labelled else None)
    if dtype == "int":
        dense = rng.integers(-1000, 1000, size=(n, d)).astype(np.int64)
        labels = rng.integers(0, 10, size=n).astype(np.int64)
    else:
        dense = (rng.normal(size=(n, d)) * 1e3).astype(dtype)
        labels = rng.integers(0, 2, size=n).astype(dtype)
    if kind == "sparse":
        mask = rng.random((n, d)) < 0.2
        mask[5] = False  # an empty row
        features = sp.csr_matrix(np.where(mask, dense, 0))
    else:
        features = dense
    return features, (labels if labelled else None)


CASES = [(kind, dtype, labelled) for kind in ("dense", "sparse")
         for dtype in (np.float32, np.float64, "int") for labelled in (True, False)]
CASES += [("sparse-wide", np.float32, True), ("sparse-wide", np.float64, False),
          ("sparse-keys", "int", True), ("sparse-keys", np.float32, False)]
IDS = [f"{k}-{getattr(d, '__name__', d)}-{'labels' if lab else 'nolabels'}" for k, d, lab in CASES]


@pytest.fixture(scope="module")
def sdk_cases(run_oracle, tmp_path_factory):
    """Every case's inputs, smemu's file, and (one oracle run for all) the SDK's file and what the
    SDK read from smemu's file."""
    cases = {}
    for i, (kind, dtype, labelled) in enumerate(CASES):
        case_dir = tmp_path_factory.mktemp(f"case{i}")
        features, labels = _case_arrays(kind, dtype, labelled, np.random.default_rng(i))
        arrays = {}
        if kind == "dense":
            arrays["dense"] = features
        else:
            arrays.update(data=features.data, indices=features.indices, indptr=features.indptr,
                          shape=np.array(features.shape))
        if labels is not None:
            arrays["labels"] = labels
        np.savez(case_dir / "in.npz", **arrays)
        write_recordio_protobuf(case_dir / "smemu.pbr", features, labels)
        cases[(kind, dtype, labelled)] = (case_dir, features, labels)
    run_oracle(SDK_SCRIPT, *(c[0] for c in cases.values()))
    return cases


@pytest.mark.parametrize("kind,dtype,labelled", CASES, ids=IDS)
def test_sdk_recordio_protobuf_both_ways(kind, dtype, labelled, sdk_cases):
    tmp_path, features, labels = sdk_cases[(kind, dtype, labelled)]
    # smemu writes exactly the SDK's bytes, with the compiled encoder (where it is built: it takes
    # every case) and with numpy
    sdk_bytes = (tmp_path / "sdk.pbr").read_bytes()
    assert (tmp_path / "smemu.pbr").read_bytes() == sdk_bytes
    assert wire_encode.encode_numpy(features, labels).tobytes() == sdk_bytes
    if wire_encode._compiled_encode is not None:
        assert wire_encode.encode_compiled(features, labels).tobytes() == sdk_bytes

    # what the SDK wrote, smemu reads to equal arrays
    batches = list(read_recordio_protobuf(tmp_path / "sdk.pbr", batch_size=100))
    assert [len(b) for b in batches] == [100, 100, 57]
    got = [b.features for b in batches]
    expected_dtype = np.int32 if dtype == "int" else np.dtype(dtype)
    if kind != "dense":
        got = sp.vstack(got, format="csr")
        assert sp.isspmatrix_csr(got) and got.shape == features.shape
        assert got.dtype == expected_dtype and (got != features).nnz == 0
    else:
        got = np.concatenate(got)
        assert got.dtype == expected_dtype and np.array_equal(got, features)
    if labels is None:
        assert all(b.labels is None for b in batches)
    else:
        got_labels = np.concatenate([b.labels for b in batches])
        assert got_labels.dtype == expected_dtype and np.array_equal(got_labels, labels)

    # what smemu wrote, the SDK reads back to the same values
    back = np.load(tmp_path / "sdk_read.npz")
    flat = features.reshape(-1) if kind == "dense" else features.data
    assert np.array_equal(back["values"], flat)
    if kind != "dense":
        assert np.array_equal(back["keys"], features.indices)
        assert np.array_equal(back["indptr"], features.indptr)
    expected_kind = {"int": "int32_tensor"}.get(dtype, f"{np.dtype(dtype).name}_tensor")
    assert back["kinds"].tolist() == [expected_kind]
    if labels is not None:
        assert np.array_equal(back["labels"], labels)


MX_SCRIPT = r"""
import sys
import numpy as np
import mxnet as mx

inputs, list_out, dict_out, smemu_list, smemu_dict, loaded_out = sys.argv[1:]
z = np.load(inputs)
names = sorted(z.files)
mx.nd.save(list_out, [mx.nd.array(z[k], dtype=z[k].dtype) for k in names])
mx.nd.save(dict_out, {"arg:" + k: mx.nd.array(z[k], dtype=z[k].dtype) for k in names})
as_list = mx.nd.load(smemu_list)
as_dict = mx.nd.load(smemu_dict)
assert isinstance(as_list, list) and isinstance(as_dict, dict), (type(as_list), type(as_dict))
out = {}
for i, a in enumerate(as_list):
    out["list_%d" % i] = a.asnumpy()
for k, a in as_dict.items():
    out["dict_" + k] = a.asnumpy()
np.savez(loaded_out, **out)
"""

ND_DTYPES = [np.float32, np.float64, np.float16, np.uint8, np.int8, np.int32, np.int64]


def test_mxnet_ndarray_files_both_ways(run_oracle, tmp_path):
    rng = np.random.default_rng(7)
    arrays = {}
    for i, dtype in enumerate(ND_DTYPES):
        shape = [(3, 4), (5,), (2, 3, 2), (1, 1), (7, 1), (4, 2, 1, 3), (6,)][i]
        arrays[f"a{i}_{np.dtype(dtype).name}"] = (rng.normal(size=shape) * 50).astype(dtype)
    names = sorted(arrays)
    np.savez(tmp_path / "in.npz", **arrays)
    save_ndarrays(tmp_path / "smemu_list", [arrays[k] for k in names])
    save_ndarrays(tmp_path / "smemu_dict", {"arg:" + k: arrays[k] for k in names})
    run_oracle(MX_SCRIPT, tmp_path / "in.npz", tmp_path / "mx_list", tmp_path / "mx_dict",
               tmp_path / "smemu_list", tmp_path / "smemu_dict", tmp_path / "loaded.npz")

    # byte for byte what mx.nd.save writes
    assert (tmp_path / "smemu_list").read_bytes() == (tmp_path / "mx_list").read_bytes()
    assert (tmp_path / "smemu_dict").read_bytes() == (tmp_path / "mx_dict").read_bytes()

    # what mxnet saved, smemu loads: a list, and a dict in the same order
    loaded = load_ndarrays(tmp_path / "mx_list")
    assert isinstance(loaded, list) and len(loaded) == len(names)
    for k, a in zip(names, loaded):
        assert a.dtype == arrays[k].dtype and np.array_equal(a, arrays[k]), k
    loaded = load_ndarrays(tmp_path / "mx_dict")
    assert list(loaded) == ["arg:" + k for k in names]
    for k in names:
        assert loaded["arg:" + k].dtype == arrays[k].dtype
        assert np.array_equal(loaded["arg:" + k], arrays[k])

    # what smemu saved, mxnet loads to equal arrays
    back = np.load(tmp_path / "loaded.npz")
    for i, k in enumerate(names):
        for got in (back[f"list_{i}"], back["dict_arg:" + k]):
            assert got.dtype == arrays[k].dtype and np.array_equal(got, arrays[k]), k


DMLC_SCRIPT = r"""
import sys
import mxnet as mx

payloads_file, dmlc_out, smemu_in, read_out = sys.argv[1:]
import pickle
payloads = pickle.load(open(payloads_file, "rb"))
w = mx.recordio.MXRecordIO(dmlc_out, "w")
for p in payloads:
    w.write(p)
w.close()
r = mx.recordio.MXRecordIO(smemu_in, "r")
got = []
while True:
    item = r.read()
    if item is None:
        break
    got.append(item)
pickle.dump(got, open(read_out, "wb"))
"""


def test_dmlc_multi_part_records_both_ways(run_oracle, tmp_path):
    import pickle

    magic = (0xCED7230A).to_bytes(4, "little")
    payloads = [b"plain", b"", magic, b"abcd" + magic + b"efgh" + magic + magic + b"x",
                magic + b"12345678" + magic, b"12" + magic + b"34", bytes(range(256)) * 3]
    (tmp_path / "payloads.pkl").write_bytes(pickle.dumps(payloads))
    write_recordio(tmp_path / "smemu.rec", payloads, split_magic=True)
    run_oracle(DMLC_SCRIPT, tmp_path / "payloads.pkl", tmp_path / "dmlc.rec",
               tmp_path / "smemu.rec", tmp_path / "read.pkl")
    assert (tmp_path / "smemu.rec").read_bytes() == (tmp_path / "dmlc.rec").read_bytes()
    assert [p for p, _ in read_recordio(tmp_path / "dmlc.rec")] == payloads
    assert pickle.loads((tmp_path / "read.pkl").read_bytes()) == payloads
