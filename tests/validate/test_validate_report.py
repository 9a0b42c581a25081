"""``smemu validate`` reports every problem (not the first), passes clean jobs, stops at
--max-errors, and as a command prints text or JSON with the exit status CI needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import scipy.sparse as sp

from smemu.emulator.validation import validate_request

from validate_corpus import (CSV0, KM_HP, KMEANS, LINEAR, LL_HP, PBR, _labelled, csv_text,
                             pbr_bytes, replace_line, request, rows, write)


def smemu(*args, cwd):
    return subprocess.run([sys.executable, "-m", "smemu", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, SMEMU_HOME=str(cwd / "home")))


def test_clean_jobs_pass_with_a_summary_per_channel(tmp_path):
    x, y = _labelled(40)
    write(tmp_path / "train" / "a.csv", csv_text(x[:20], y[:20]))
    write(tmp_path / "train" / "b.csv", csv_text(x[20:], y[20:]))
    write(tmp_path / "validation" / "v.pbr", pbr_bytes(x, y))
    write(tmp_path / "test" / "t.pbr", pbr_bytes(sp.csr_matrix(x), y))
    req = request("clean", LINEAR, LL_HP, [("train", "train/", "text/csv"),
                                           ("validation", "validation/", PBR),
                                           ("test", "test/", PBR, {"InputMode": "Pipe"})])
    report = validate_request(req, base_dir=str(tmp_path))
    assert report.ok, [p.message for p in report.problems]
    summary = {c.name: c for c in report.channels}
    assert (summary["train"].objects, summary["train"].records) == (2, 40)
    assert summary["train"].widths == [4] and summary["train"].kinds == ["dense"]
    assert (summary["train"].label_min, summary["train"].label_max) == (0.0, 1.0)
    assert summary["test"].kinds == ["sparse"] and summary["test"].input_mode == "Pipe"
    assert summary["validation"].bytes == (tmp_path / "validation" / "v.pbr").stat().st_size


def test_every_bad_line_of_a_csv_file_is_reported_in_order(tmp_path):
    text = "f1,f2,f3,f4\n" + csv_text(rows(20))
    text = replace_line(text, 4, "1,2,3")            # ragged
    text = replace_line(text, 6, "1,2,nan,4")        # NaN (an algorithm check)
    text = replace_line(text, 9, "1,?,3,4")          # not a number
    text = replace_line(text, 12, "inf,2,3,4")       # infinite
    write(tmp_path / "train" / "part-0.csv", text)
    report = validate_request(request("many", KMEANS, KM_HP, [("train", "train/", CSV0)]),
                              base_dir=str(tmp_path))
    assert [p.line for p in report.problems] == [1, 4, 6, 9, 12]
    by_line = {p.line: p.message for p in report.problems}
    assert "no header row" in by_line[1]
    assert "has 3 columns" in by_line[4]
    assert "Found missing (NaN) values" in by_line[6] and "at line 6" in by_line[6]
    assert "'?', not a number" in by_line[9]
    assert "Found infinite floating point values" in by_line[12] and "at line 12" in by_line[12]
    # the bad lines are left out; the rest count
    assert report.channels[0].records == 21 - 3   # 21 lines, 3 unreadable


def test_a_broken_file_does_not_hide_the_next_one(tmp_path):
    good = pbr_bytes(rows(5))
    write(tmp_path / "train" / "a.pbr", good[:-7])                  # truncated
    write(tmp_path / "train" / "b.pbr", pbr_bytes(rows(5, width=6)))  # wrong width
    x = rows(5)
    x[2, 1] = np.nan
    write(tmp_path / "train" / "c.pbr", pbr_bytes(x))                 # NaN in record 2
    report = validate_request(request("files", KMEANS, KM_HP, [("train", "train/", PBR)]),
                              base_dir=str(tmp_path))
    files = [(p.file.rsplit("/", 1)[-1], p.record) for p in report.problems]
    assert files == [("a.pbr", 4), ("b.pbr", 0), ("c.pbr", 2)]
    assert "the file ends" in report.problems[0].message
    assert "(6, at record 0 (byte offset 0) of file /opt/ml/input/data/train/b.pbr)" in \
        report.problems[1].message
    assert report.problems[2].offset == 2 * (len(good) // 5)


def test_request_hyperparameter_and_data_problems_are_all_reported(tmp_path):
    write(tmp_path / "train" / "part-0.csv", "a,b,c,d\n" + csv_text(rows(10)))
    req = request("bad request!", KMEANS, {"k": "0", "feature_dim": "x", "kk": "1"},
                  [("train", "train/", CSV0)])
    req["StoppingCondition"]["MaxRuntimeInSeconds"] = 0
    report = validate_request(req, base_dir=str(tmp_path))
    kinds = [(p.kind, p.field or p.line) for p in report.problems]
    assert kinds[:2] == [("request", "TrainingJobName"),
                         ("request", "StoppingCondition.MaxRuntimeInSeconds")]
    assert {f for k, f in kinds if k == "hyperparameters"} == {"k", "feature_dim", "kk"}
    assert "Did you mean 'k'?" in next(p.message for p in report.problems if p.field == "kk")
    # the data is read all the same (for format problems: the hyperparameters are unusable)
    assert kinds[-1] == ("data", 1)
    assert report.channels[0].records == 10


def test_a_request_whose_channels_are_broken_still_gets_its_hyperparameters_checked(tmp_path):
    req = request("job", KMEANS, {"k": "0", "feature_dim": "4"}, [("train", "train/", CSV0)])
    req["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataType"] = "Bogus"
    report = validate_request(req, base_dir=str(tmp_path))
    assert [p.kind for p in report.problems] == ["request", "hyperparameters"]
    assert "InputDataConfig[0].DataSource.S3DataSource.S3DataType" in report.problems[0].message
    assert "channels' data were not read" in report.notes[0]


def test_max_errors_stops_early(tmp_path):
    text = csv_text(rows(50))
    for line in range(2, 50, 2):
        text = replace_line(text, line, "x,1,2,3")
    write(tmp_path / "train" / "part-0.csv", text)
    report = validate_request(request("cap", KMEANS, KM_HP, [("train", "train/", CSV0)]),
                              base_dir=str(tmp_path), max_errors=5)
    assert [p.line for p in report.problems] == [2, 4, 6, 8, 10]
    assert report.truncated


def test_command_exit_status_text_and_json(tmp_path):
    write(tmp_path / "data" / "train.csv", csv_text(rows(30)))
    job = request("cli-job", KMEANS, KM_HP, [("train", "data/", CSV0)])
    (tmp_path / "job.json").write_text(json.dumps(job))
    ok = smemu("validate", "--job", "job.json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "30 records, width 4 (dense)" in ok.stdout
    assert "would start cleanly" in ok.stdout

    write(tmp_path / "data" / "train.csv", csv_text(rows(30), labels=np.zeros(30)))
    bad = smemu("validate", "--job", "job.json", "--json", cwd=tmp_path)
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["ok"] is False
    (problem,) = report["problems"]
    assert problem["file"] == "/opt/ml/input/data/train/train.csv" and problem["line"] == 1
    assert problem["object"] == f"file://{tmp_path}/data/train.csv"
    assert "does not match the feature_dim hyperparameter (4)" in problem["message"]

    flags = smemu("validate", "--algorithm", "kmeans", "--channel",
                  "train=data/,content-type=text/csv;label_size=0",
                  "--hyperparameters", "k=3,feature_dim=5", cwd=tmp_path)
    assert flags.returncode == 0, flags.stdout + flags.stderr

    unreadable = smemu("validate", "--job", "missing.json", cwd=tmp_path)
    assert unreadable.returncode == 2
    assert "cannot read the job file missing.json" in unreadable.stderr


def test_bad_recordio_records_are_skipped_and_the_rest_keep_their_indices(tmp_path):
    from smemu.formats.recordio import frame

    def records(n, seed, **kw):
        return pbr_bytes(rows(n, seed=seed, **kw))
    garbage = frame(b"\xff\xff\xff\xff not a protobuf")
    x = rows(3, seed=9)
    x[1, 0] = np.inf
    parts = [records(2, 1), garbage, records(3, 2), garbage, records(1, 3, width=7),
             pbr_bytes(sp.csr_matrix(rows(1, seed=4))), pbr_bytes(x)]
    write(tmp_path / "train" / "part-0.pbr", b"".join(parts))
    offsets = np.cumsum([0] + [len(p) for p in parts])
    report = validate_request(request("pbr", KMEANS, KM_HP, [("train", "train/", PBR)]),
                              base_dir=str(tmp_path))
    found = [(p.record, p.offset) for p in report.problems]
    record_size = len(records(1, 0))
    assert found == [(2, offsets[1]), (6, offsets[3]), (7, offsets[4]), (8, offsets[5]),
                     (10, offsets[6] + record_size)]
    messages = [p.message for p in report.problems]
    assert "not a valid aialgs.data Record protobuf" in messages[0]
    assert "has 7 features but the records before it have 4" in messages[2]
    assert "is sparse but the records before it are dense" in messages[3]
    assert messages[4].startswith("Unable to read data channel 'train'. Found ")
    assert f"The first is at record 10 (byte offset {offsets[6] + record_size})" in messages[4]
    assert report.channels[0].records == 12 - 4


def test_progress_bar_on_request(tmp_path):
    write(tmp_path / "data" / "train.csv", csv_text(rows(30)))
    result = smemu("validate", "--algorithm", "kmeans", "--channel",
                   "train=data/,content-type=text/csv;label_size=0", "--hyperparameters",
                   "k=3,feature_dim=4", "--progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "validating train 100% |########################|" in result.stderr


def test_each_instance_s_share_of_a_sharded_channel_is_checked_as_that_instance_reads_it(tmp_path):
    write(tmp_path / "train" / "a.pbr", pbr_bytes(rows(20)))
    write(tmp_path / "train" / "b.pbr", pbr_bytes(rows(2, seed=5)))
    req = request("sharded", KMEANS, KM_HP, [("train", "train/", PBR)], mode="Pipe")
    req["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] = \
        "ShardedByS3Key"
    req["ResourceConfig"]["InstanceCount"] = 2
    report = validate_request(req, base_dir=str(tmp_path))
    (problem,) = report.problems     # algo-2 reads only b.pbr: 2 records for k=3
    assert problem.host == "algo-2"
    assert problem.message.startswith("Channel 'train' has 2 records, fewer than k=3 clusters.")
    assert report.channels[0].records == 22


def test_an_s3_channel_is_streamed_and_its_objects_named_by_uri(s3_server, s3_bucket):
    client = s3_server.client()
    client.put_object(Bucket=s3_bucket, Key="train/part-0.csv", Body=csv_text(rows(10)).encode())
    client.put_object(Bucket=s3_bucket, Key="train/part-1.csv",
                      Body=replace_line(csv_text(rows(10)), 3, "1,2,3,four").encode())
    req = request("s3", KMEANS, KM_HP, [("train", f"s3://{s3_bucket}/train/", CSV0)])
    report = validate_request(req)
    (problem,) = report.problems
    assert problem.object == f"s3://{s3_bucket}/train/part-1.csv"
    assert problem.file == "/opt/ml/input/data/train/part-1.csv" and problem.line == 3
    assert "the value is 'four', not a number" in problem.message
    assert report.channels[0].records == 19
