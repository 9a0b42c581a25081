"""Each broken input of the corpus is reported once, at the right place, in the words the training
job itself uses for it; a selection runs through the real ``smemu train`` path to prove the words
are the failure file's."""

from __future__ import annotations

import pytest

from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.emulator.validation import validate_request

from validate_corpus import CASES, LL_HP, LINEAR, _LL_CLEAN, request, write

CASE_IDS = [c.name for c in CASES]


def validate(tmp_path, case):
    req = case.build(tmp_path)
    return req, validate_request(req, base_dir=str(tmp_path))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_each_broken_input_is_one_problem_at_its_place(tmp_path, case):
    _, report = validate(tmp_path, case)
    assert not report.ok
    assert len(report.problems) == 1, [p.message for p in report.problems]
    (problem,) = report.problems
    assert problem.kind == case.kind
    assert case.words in problem.message
    if case.kind in ("data", "channel") and case.name != "unexpected-channel":
        assert problem.channel == "train"
    for attribute in ("file", "line", "record", "offset"):
        expected = getattr(case, attribute)
        if expected is not None:
            assert getattr(problem, attribute) == expected, attribute
    if problem.file:
        relative = problem.file.rsplit("/", 1)[-1]
        assert problem.object == f"file://{tmp_path}/train/{relative}"


def train(tmp_path, req):
    spec = TrainingJobSpec.from_request(req, base_dir=str(tmp_path))
    return run_job(spec, store=JobStore(tmp_path / "jobs"), stop_grace=5)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_train_fails_with_the_same_words(tmp_path, case):
    """Every case through the real train path (process backend): the failure file's reason is
    ``ClientError: `` and validate's message, word for word."""
    req, report = validate(tmp_path, case)
    record = train(tmp_path, req)
    assert record["TrainingJobStatus"] == "Failed"
    assert record["FailureReason"] == f"ClientError: {report.problems[0].message}"


def test_pipe_mode_names_the_fifo_as_training_does(tmp_path):
    text = _LL_CLEAN
    write(tmp_path / "train" / "part-0.csv", text)
    bad = text.split("\n")
    bad[1] = "7,1,2,3,4"
    write(tmp_path / "train" / "part-1.csv", "\n".join(bad))
    req = request("pipe-case", LINEAR, LL_HP, [("train", "train/", "text/csv")], mode="Pipe")
    report = validate_request(req, base_dir=str(tmp_path))
    (problem,) = report.problems
    lines = text.count("\n")
    assert problem.file == "/opt/ml/input/data/train_0"
    assert problem.line == lines + 2
    assert problem.object == f"file://{tmp_path}/train/part-1.csv"
    assert f"has label 7.0 at line {lines + 2} of file /opt/ml/input/data/train_0" in problem.message
    record = train(tmp_path, req)
    assert record["FailureReason"] == f"ClientError: {problem.message}"


def test_pipe_mode_shuffled_and_gzipped_reads_as_the_first_pass_does(tmp_path):
    import gzip

    from validate_corpus import KM_HP, KMEANS, pbr_bytes, rows

    for i in range(4):
        data = pbr_bytes(rows(20, width=5 if i == 2 else 4, seed=i))
        write(tmp_path / "train" / f"part-{i}.pbr.gz", gzip.compress(data))
    req = request("pipe-shuffled", KMEANS, KM_HP,
                  [("train", "train/", None, {"CompressionType": "Gzip",
                                              "ShuffleConfig": {"Seed": 7}})], mode="Pipe")
    report = validate_request(req, base_dir=str(tmp_path))
    (problem,) = report.problems
    assert problem.file == "/opt/ml/input/data/train_0"
    assert problem.object == f"file://{tmp_path}/train/part-2.pbr.gz"
    record = train(tmp_path, req)
    assert record["FailureReason"] == f"ClientError: {problem.message}"
    assert problem.repeats == 19    # the object's other records: one problem, counted
