"""Training-job plumbing speed, as ratios against references measured in the same run.

1. Pipe mode: a RecordIO-protobuf channel of --size-mb MB fed through the FIFO by the host's
   PipeFeeder and read by the container's PipeChannel, against a plain read of the same file from
   the page cache. Printed: raw bytes through the FIFO vs a plain read (target >= 0.5), and
   parsed batches through the FIFO vs parsing the file directly (what the algorithm sees).
2. File mode: staging the channel (split into --files objects) into a job's channel directory with
   smemu.emulator.staging, against `cp` of the same files (target >= 0.5).
3. Job overhead: a small k-means job run end to end with the process backend; overhead = wall time
   less the algorithm's own time (its `totaltime` metric); target < 1 s.

    .venv/bin/python benchmarks/bench_jobs.py                  # 1 GB, as the issue states it
    .venv/bin/python benchmarks/bench_jobs.py --size-mb 128    # a quick run
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from smemu.emulator import staging
from smemu.emulator.pipes import PipeFeeder
from smemu.emulator.runner import run_job
from smemu.emulator.spec import ChannelSpec, TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import read_recordio_protobuf, write_recordio_protobuf

from channel_files import repeat_into_files

CHUNK = 1 << 20


def make_channel(directory: Path, size_mb: int, files: int) -> list[Path]:
    """``files`` RecordIO-protobuf files of about size_mb MB in all (dense float32 rows of 100)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    block = directory / ".block"
    write_recordio_protobuf(str(block), rng.normal(size=(2000, 100)).astype(np.float32))
    data = block.read_bytes()
    block.unlink()
    return repeat_into_files(data, directory, size_mb, files, "pbr")


def warm(paths) -> int:
    total = 0
    buffer = bytearray(CHUNK)
    for path in paths:
        with open(path, "rb", buffering=0) as f:
            while n := f.readinto(buffer):
                total += n
    return total


def plain_read(paths) -> float:
    start = time.perf_counter()
    warm(paths)
    return time.perf_counter() - start


def parse_files(paths) -> tuple[float, int]:
    start = time.perf_counter()
    rows = 0
    for path in paths:
        for batch in read_recordio_protobuf(path, batch_size=1000):
            rows += batch.features.shape[0]
    return time.perf_counter() - start, rows


# the container's side of a pass, run in its own process as in a real job
_READER = r"""
import sys, time
from pathlib import Path
data_dir, parse = Path(sys.argv[1]), sys.argv[2] == "parse"
fifo = data_dir / "train_0"
while not fifo.exists():
    time.sleep(0.0005)
start = time.perf_counter()
count = 0
if parse:
    from smemu.containers.channels import PipeChannel
    from smemu.containers.paths import OptML
    for batch in PipeChannel("train", None, data_dir, OptML(data_dir.parent.parent)).batches(1000):
        count += batch.features.shape[0]
else:
    buffer = bytearray(1 << 20)
    with open(fifo, "rb", buffering=0) as stream:
        while n := stream.readinto(buffer):
            count += n
print(time.perf_counter() - start, count)
"""


def through_pipe(channel_dir: Path, work: Path, parse: bool) -> tuple[float, int]:
    """One Pipe-mode pass: the host's PipeFeeder here, the container's reader in a subprocess."""
    uri = f"file://{channel_dir}/"
    spec = ChannelSpec(name="train", uri=uri, input_mode="Pipe")
    data_dir = work / "opt_ml" / "input" / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    feeder = PipeFeeder(spec, staging.list_channel(uri), data_dir)
    feeder.start()
    try:
        result = subprocess.run([sys.executable, "-c", _READER, str(data_dir),
                                 "parse" if parse else "raw"],
                                capture_output=True, text=True, check=True)
        seconds, count = result.stdout.split()
        return float(seconds), int(count)
    finally:
        feeder.stop()
        feeder.join(5)


def stage(paths, channel_dir: Path, dest: Path) -> float:
    objects = staging.list_channel(f"file://{channel_dir}/")
    start = time.perf_counter()
    for obj in objects:
        staging.copy_object(obj, dest / obj.relative)
    return time.perf_counter() - start


def cp(paths, dest: Path) -> float:
    dest.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run(["cp", *map(str, paths), str(dest)], check=True)
    return time.perf_counter() - start


def job_overhead(work: Path, rows: int, repeats: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(1)
    centres = rng.uniform(-10, 10, size=(5, 7))
    data = np.vstack([c + rng.normal(size=(rows // 5, 7)) for c in centres])
    (work / "small").mkdir(parents=True, exist_ok=True)
    np.savetxt(work / "small" / "train.csv", data, delimiter=",", fmt="%.4f")
    store = JobStore(work / "jobs")
    out = []
    for i in range(repeats):
        request = {
            "TrainingJobName": f"overhead-{i}",
            "AlgorithmSpecification": {"TrainingImage": "kmeans", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
            "HyperParameters": {"k": "5", "feature_dim": "7", "mini_batch_size": "500"},
            "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv;label_size=0",
                                 "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                 "S3Uri": str(work / "small")}}}],
            "OutputDataConfig": {"S3OutputPath": str(work / "out")},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        }
        lines: list[str] = []
        start = time.perf_counter()
        record = run_job(TrainingJobSpec.from_request(request), store=store, on_log=lines.append)
        wall = time.perf_counter() - start
        assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
        algorithm_ms = 0.0
        for line in lines:
            if line.startswith("#metrics ") and '"totaltime"' in line:
                algorithm_ms = json.loads(line[len("#metrics "):])["Metrics"]["totaltime"]["sum"]
        out.append((wall, algorithm_ms / 1000.0))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="channel size (default 1024)")
    parser.add_argument("--files", type=int, default=8, help="objects in the File-mode channel")
    parser.add_argument("--job-rows", type=int, default=3000, help="rows of the small job")
    parser.add_argument("--repeats", type=int, default=3, help="small jobs to run")
    parser.add_argument("--dir", help="scratch directory (default: a temporary one)")
    args = parser.parse_args()

    work = Path(args.dir or tempfile.mkdtemp(prefix="smemu-bench-jobs-"))
    try:
        channel_dir = work / "channel"
        paths = make_channel(channel_dir, args.size_mb, args.files)
        size = warm(paths)
        mb = size / 1e6
        print(f"channel: {len(paths)} RecordIO-protobuf files, {mb:.0f} MB")

        read_s = min(plain_read(paths) for _ in range(3))
        passes = [through_pipe(channel_dir, work / f"pipe-raw-{i}", parse=False) for i in range(3)]
        assert all(n == size for _, n in passes)
        pipe_s = min(s for s, _ in passes)
        print(f"pipe mode, raw bytes : {mb / pipe_s:8.0f} MB/s   plain read of the files: "
              f"{mb / read_s:8.0f} MB/s   ratio {read_s / pipe_s:.2f} (target >= 0.5)")

        parse_s, rows = parse_files(paths)
        pipe_parse_s, pipe_rows = through_pipe(channel_dir, work / "pipe-parsed", parse=True)
        assert pipe_rows == rows
        print(f"pipe mode, batches   : {mb / pipe_parse_s:8.0f} MB/s   parsing the files directly:"
              f" {mb / parse_s:6.0f} MB/s   ratio {parse_s / pipe_parse_s:.2f}  ({rows} records)")

        stage_s = stage(paths, channel_dir, work / "staged")
        cp_s = cp(paths, work / "copied")
        print(f"file mode staging    : {mb / stage_s:8.0f} MB/s   cp: {mb / cp_s:8.0f} MB/s   "
              f"ratio {cp_s / stage_s:.2f} (target >= 0.5)")
        shutil.rmtree(work / "staged")
        shutil.rmtree(work / "copied")

        runs = job_overhead(work, args.job_rows, args.repeats)
        for wall, algo in runs:
            print(f"small job ({args.job_rows} rows): wall {wall:.3f} s, algorithm {algo:.3f} s, "
                  f"overhead {wall - algo:.3f} s (target < 1 s)")
        best = min(w - a for w, a in runs)
        print(f"job overhead, best of {len(runs)}: {best:.3f} s")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
