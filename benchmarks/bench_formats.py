"""Speed and memory of smemu.formats against the sagemaker SDK v2, measured in the same run.

For dense (200,000 x 100 float32 with labels) and sparse (1% density, 10,000 columns) data it times
writing RecordIO-protobuf and reading it back to numpy / scipy arrays, with smemu and with the SDK
(`write_numpy_to_dense_tensor` / `write_spmatrix_to_sparse_tensor`, and `read_records` plus the
conversion to arrays), the SDK running in the oracle environment (tests/oracle.py) on the same file;
it also times a plain read of the file's bytes from the page cache. Then it writes a 1 GB file and
reports the peak RSS of a fresh process reading it in batches.

    .venv/bin/python benchmarks/bench_formats.py            # the issue's sizes
    .venv/bin/python benchmarks/bench_formats.py --quick    # small sizes, no 1 GB file

Targets (issue 2): read >= 50x the SDK's read-to-numpy, write >= 20x the SDK's writer, peak RSS of
the batched 1 GB read < 300 MB; issue 23: sparse read >= 60x, dense read >= 0.35 of a plain
page-cache read. Each figure is the median of --runs runs (default 5) with their min-max, for smemu
and the SDK alike, given for wall-clock time and for CPU time (steadier on a busy shared machine).
Both sides' protobuf (version and implementation: upb, cpp or python), numpy and scipy versions are
printed, and whether smemu's reads went through the compiled decoder (counted, not assumed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from smemu.formats import (read_recordio_protobuf, wire, wire_encode,  # noqa: E402
                           write_recordio_protobuf)

VERSIONS = r"""
import json, numpy, scipy, google.protobuf
from google.protobuf.internal import api_implementation
print(json.dumps({"protobuf": google.protobuf.__version__ + " (" + api_implementation.Type() + ")",
                  "numpy": numpy.__version__, "scipy": scipy.__version__}))
"""

SDK_BENCH = r"""
import json, statistics, sys, time
import numpy as np
import scipy.sparse as sp
from sagemaker.amazon.common import (read_records, write_numpy_to_dense_tensor,
                                     write_spmatrix_to_sparse_tensor)

kind, inputs, out, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
z = np.load(inputs)
labels = z["labels"]
if kind == "dense":
    features = z["features"]
else:
    features = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))

def write():
    with open(out, "wb") as f:
        if kind == "dense":
            write_numpy_to_dense_tensor(f, features, labels)
        else:
            write_spmatrix_to_sparse_tensor(f, features, labels)

def read():
    with open(out, "rb") as f:
        records = read_records(f)
    y = np.array([r.label["values"].float32_tensor.values[0] for r in records], dtype=np.float32)
    if kind == "dense":
        x = np.array([r.features["values"].float32_tensor.values for r in records], dtype=np.float32)
    else:
        values, keys, indptr = [], [], [0]
        for r in records:
            t = r.features["values"].float32_tensor
            values.append(np.array(t.values, dtype=np.float32))
            keys.append(np.array(t.keys, dtype=np.int64))
            indptr.append(indptr[-1] + len(t.keys))
        width = int(records[0].features["values"].float32_tensor.shape[0])
        x = sp.csr_matrix((np.concatenate(values), np.concatenate(keys), indptr),
                          shape=(len(records), width))
    return x, y

def runs(fn):
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu

print(json.dumps({"write": runs(write), "read": runs(read)}))
"""

RSS_PROBE = r"""
import sys
from smemu.formats import read_recordio_protobuf, wire
if sys.argv[3:] == ["--no-compiled"]:
    wire._wire_c = None

def peak_kb():  # VmHWM: this process's peak resident set (ru_maxrss would count the parent's)
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM")).split()[1])

base = peak_kb()
rows = 0
for batch in read_recordio_protobuf(sys.argv[1], batch_size=int(sys.argv[2])):
    rows += len(batch)
print(rows, base, peak_kb())
"""


def timed_runs(repeat, fn):
    """([wall-clock seconds], [CPU seconds]) of ``repeat`` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def med(values) -> float:
    return statistics.median(values)


def versions(python=None) -> dict:
    """protobuf (with its implementation), numpy and scipy versions of ``python`` (default: this
    interpreter)."""
    out = subprocess.run([str(python or sys.executable), "-c", VERSIONS], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


class CountingDecoder:
    """Stands in for the compiled module, counting its calls: proof that it ran."""

    def __init__(self, module):
        self.module, self.calls = module, 0

    def decode(self, *args):
        self.calls += 1
        return self.module.decode(*args)


def smemu_read(path, batch_size=1000):
    count = 0
    for batch in read_recordio_protobuf(path, batch_size=batch_size):
        count += len(batch)
    return count


def page_cache_read(path, block=8 << 20):
    buf = bytearray(block)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass


def sdk_times(python, kind, inputs, out, repeat):
    result = subprocess.run([str(python), "-c", SDK_BENCH, kind, str(inputs), str(out), str(repeat)],
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"the SDK benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def compare(name, features, labels, workdir, python, repeat):
    inputs = workdir / f"{name}.npz"
    if sp.issparse(features):
        np.savez(inputs, data=features.data, indices=features.indices, indptr=features.indptr,
                 shape=np.array(features.shape), labels=labels)
    else:
        np.savez(inputs, features=features, labels=labels)
    ours, theirs = workdir / f"{name}-smemu.pbr", workdir / f"{name}-sdk.pbr"
    t_write = timed_runs(repeat, lambda: write_recordio_protobuf(ours, features, labels))
    sdk = sdk_times(python, "sparse" if sp.issparse(features) else "dense", inputs, theirs, repeat)
    size = ours.stat().st_size
    identical = ours.read_bytes() == theirs.read_bytes()
    page_cache_read(ours)  # warm the cache
    t_plain = timed_runs(repeat, lambda: page_cache_read(ours))
    calls_before = wire._wire_c.calls if isinstance(wire._wire_c, CountingDecoder) else 0
    t_read = timed_runs(repeat, lambda: smemu_read(ours))
    compiled_calls = (wire._wire_c.calls - calls_before) if isinstance(wire._wire_c, CountingDecoder) \
        else 0
    mb = size / 1e6
    print(f"{name}: {features.shape[0]:,} x {features.shape[1]:,} "
          f"{'sparse' if sp.issparse(features) else 'dense'} float32 + labels, {mb:.1f} MB of "
          f"RecordIO-protobuf (bytes identical to the SDK's: {'yes' if identical else 'NO'})")
    read_target = 60 if sp.issparse(features) else 50
    for what, ours_t, sdk_t, target in (("write", t_write, sdk["write"], 20),
                                         ("read to arrays", t_read, sdk["read"], read_target)):
        ratios = (min(sdk_t[0]) / max(ours_t[0]), max(sdk_t[0]) / min(ours_t[0]))
        print(f"  {what + ':':15s} smemu {med(ours_t[0]):7.3f} s {mb / med(ours_t[0]):7.1f} MB/s | "
              f"SDK {med(sdk_t[0]):6.2f} s {mb / med(sdk_t[0]):5.1f} MB/s | "
              f"{med(sdk_t[0]) / med(ours_t[0]):5.1f}x the SDK (range {ratios[0]:.1f}-"
              f"{ratios[1]:.1f}x; CPU time: {med(sdk_t[1]) / med(ours_t[1]):5.1f}x) "
              f"(target >= {target}x)")
    print(f"  smemu read, {len(t_read[0])} runs: wall {med(t_read[0]):.4f} s ({min(t_read[0]):.4f}-"
          f"{max(t_read[0]):.4f}), CPU {med(t_read[1]):.4f} s ({min(t_read[1]):.4f}-"
          f"{max(t_read[1]):.4f}); compiled decoder calls: {compiled_calls}"
          + ("" if compiled_calls else " (the numpy decoder read it)"))
    print(f"  plain page-cache read {med(t_plain[0]):.4f} s ({mb / med(t_plain[0]):.0f} MB/s): smemu's "
          f"read to arrays runs at {med(t_plain[0]) / med(t_read[0]):.3f} of its speed (CPU time: "
          f"{med(t_plain[1]) / med(t_read[1]):.3f})")
    return {"write_ratio": med(sdk["write"][0]) / med(t_write[0]),
            "read_ratio": med(sdk["read"][0]) / med(t_read[0])}


def big_file_rss(workdir, gigabytes, batch_size, no_compiled=False):
    path = workdir / "big.pbr"
    rng = np.random.default_rng(3)
    chunk = rng.normal(size=(100_000, 100)).astype(np.float32)
    labels = rng.integers(0, 2, 100_000).astype(np.float32)
    target = gigabytes * 1e9
    written = 0
    with open(path, "wb") as f:
        while written < target:
            written += write_recordio_protobuf(f, chunk, labels)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", RSS_PROBE, str(path), str(batch_size)]
                         + (["--no-compiled"] if no_compiled else []),
                         capture_output=True, text=True, env=env, check=True).stdout.split()
    rows, base_kb, peak_kb = map(int, out)
    print(f"batched read of a {written / 1e9:.2f} GB file ({rows:,} records, batch_size "
          f"{batch_size}): peak RSS {peak_kb / 1024:.0f} MB (the process held {base_kb / 1024:.0f} MB "
          f"after imports; target < 300 MB)")
    path.unlink()
    return peak_kb / 1024


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=200_000, help="dense rows (default 200,000)")
    p.add_argument("--cols", type=int, default=100, help="dense columns (default 100)")
    p.add_argument("--sparse-rows", type=int, default=50_000, help="sparse rows (default 50,000)")
    p.add_argument("--sparse-cols", type=int, default=10_000, help="sparse columns (default 10,000)")
    p.add_argument("--density", type=float, default=0.01, help="sparse density (default 0.01)")
    p.add_argument("--big-gb", type=float, default=1.0, help="size of the RSS test file; 0 skips it")
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--runs", "--repeat", dest="repeat", type=int, default=5,
                   help="runs of each measurement; the median and min-max are printed (default 5)")
    p.add_argument("--quick", action="store_true",
                   help="small sizes (20,000 dense and 10,000 sparse rows, no 1 GB file): for a "
                        "shared machine")
    p.add_argument("--oracle-python", help="python of an environment with sagemaker<3 (default: "
                                           "the test suite's cached oracle environment)")
    p.add_argument("--workdir", help="where to put the files (default: a temporary directory)")
    p.add_argument("--no-compiled", action="store_true",
                   help="read and write with the numpy decoder and encoder even where the "
                        "compiled ones are built")
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.sparse_rows, args.big_gb = 20_000, 10_000, 0
    if args.no_compiled:
        wire._wire_c = None
        wire_encode._compiled_encode = None
    elif wire._wire_c is not None:
        wire._wire_c = CountingDecoder(wire._wire_c)
    print(f"smemu decodes with: {'numpy (no compiled decoder)' if wire._wire_c is None else 'the compiled decoder, where it takes the records'}")
    encoder = ("numpy (no compiled encoder)" if wire_encode._compiled_encode is None
               else "the compiled encoder, where it takes the records")
    print(f"smemu encodes with: {encoder}")

    if args.oracle_python:
        python = Path(args.oracle_python)
    else:
        import oracle
        python = oracle.ensure_oracle()
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs"
          + (": the machine is busy, wall-clock figures are not quiet-machine figures" if load > 1
             else ""))
    for side, py in (("smemu", None), ("SDK  ", python)):
        v = versions(py)
        print(f"{side} side: protobuf {v['protobuf']}, numpy {v['numpy']}, scipy {v['scipy']}")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        workdir = Path(tmp)
        dense = rng.normal(size=(args.rows, args.cols)).astype(np.float32)
        labels = rng.integers(0, 2, args.rows).astype(np.float32)
        compare("dense", dense, labels, workdir, python, args.repeat)
        del dense
        sparse = sp.random(args.sparse_rows, args.sparse_cols, density=args.density, format="csr",
                           random_state=1, dtype=np.float32)
        labels = rng.integers(0, 2, args.sparse_rows).astype(np.float32)
        compare("sparse", sparse, labels, workdir, python, args.repeat)
        del sparse
        if args.big_gb > 0:
            big_file_rss(workdir, args.big_gb, args.batch_size, args.no_compiled)


if __name__ == "__main__":
    main()
