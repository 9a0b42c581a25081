"""README's example jobs for Factorization Machines (Pipe mode, sparse RecordIO-protobuf) and
Random Cut Forest (CSV, a labelled test channel) run to completion with good test scores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("job, metric, floor", [
    ("factorization-machines-job.json", "test:binary_classification_accuracy", 0.9),
    ("randomcutforest-job.json", "test:recall", 0.9),
])
def test_example_job(tmp_path, job, metric, floor):
    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples, ignore=shutil.ignore_patterns("output"))
    request = json.loads((examples / job).read_text())
    spec = TrainingJobSpec.from_request(request, base_dir=str(examples))
    record = run_job(spec, store=JobStore(tmp_path / "jobs"), stop_grace=5)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    final = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert final[metric] > floor, final
