"""``smemu validate``'s reading rate, as a fraction of the formats layer's plain read rate.

A channel of --size-mb MB (default 1024, as the issue states it) split into --files objects, as
RecordIO-protobuf (dense float32 rows of --width) and as text/csv, is

* read plainly: every file through ``smemu.formats.reader_for(content_type)`` (the reference:
  batches parsed, nothing checked), and
* validated: ``smemu.emulator.validation.validate_request`` on a K-Means job over the channel
  (every record through the reader and the algorithm's checks, summaries kept).

Both read the same files from the page cache (warmed first), best of --repeat interleaved runs
each. Printed:
MB/s of each and validate / plain (goal >= 0.5).

    .venv/bin/python benchmarks/bench_validate.py                       # 1 GB channels
    .venv/bin/python benchmarks/bench_validate.py --size-mb 64 --files 4  # a quick run
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from smemu.emulator.validation import validate_request
from smemu.formats import reader_for, write_recordio_protobuf

from channel_files import repeat_into_files

KMEANS = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"


def make_channel(directory: Path, kind: str, size_mb: int, files: int, width: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    rows = np.random.default_rng(0).normal(size=(2000, width)).astype(np.float32)
    block = directory / ".block"
    if kind == "csv":
        np.savetxt(block, rows, delimiter=",", fmt="%.6g")
    else:
        write_recordio_protobuf(str(block), rows)
    data = block.read_bytes()
    block.unlink()
    return repeat_into_files(data, directory, size_mb, files, kind)


def plain_read(paths, content_type) -> int:
    read = reader_for(content_type)
    records = 0
    for path in paths:
        for batch in read(str(path), batch_size=10_000):
            records += len(batch)
    return records


def validate(directory: Path, content_type, width: int) -> int:
    channel = {"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"file://{directory}/",
        "S3DataDistributionType": "FullyReplicated"}}}
    if content_type:
        channel["ContentType"] = content_type
    request = {
        "TrainingJobName": "bench-validate",
        "AlgorithmSpecification": {"TrainingImage": KMEANS, "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "HyperParameters": {"k": "10", "feature_dim": str(width)},
        "InputDataConfig": [channel],
        "OutputDataConfig": {"S3OutputPath": f"file://{directory}-out/"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
    report = validate_request(request)
    if not report.ok:
        raise SystemExit(f"the benchmark channel is not clean: {report.problems[0].message}")
    return report.channels[0].records


def timed(func):
    t0 = time.perf_counter()
    result = func()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", default="recordio-protobuf,csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        for kind in args.kinds.split(","):
            suffix = "csv" if kind == "csv" else "pbr"
            content_type = "text/csv;label_size=0" if kind == "csv" else None
            directory = Path(tmp) / kind
            paths = make_channel(directory, suffix, args.size_mb, args.files, args.width)
            size = sum(p.stat().st_size for p in paths)
            plain_read(paths, content_type)   # warm the page cache
            plain_s, valid_s = [], []
            for _ in range(args.repeat):   # interleaved, so a change in machine load hits both
                seconds, plain_records = timed(lambda: plain_read(paths, content_type))
                plain_s.append(seconds)
                seconds, valid_records = timed(lambda: validate(directory, content_type, args.width))
                valid_s.append(seconds)
            plain_s, valid_s = min(plain_s), min(valid_s)
            assert plain_records == valid_records, (plain_records, valid_records)
            mb = size / 1e6
            print(f"{kind}: {mb:.0f} MB, {plain_records:,} records in {len(paths)} files")
            print(f"  formats plain read: {mb / plain_s:8.1f} MB/s")
            print(f"  smemu validate:     {mb / valid_s:8.1f} MB/s")
            print(f"  validate / plain read = {plain_s / valid_s:.2f} (goal >= 0.50)")
            for p in paths:
                p.unlink()


if __name__ == "__main__":
    main()
