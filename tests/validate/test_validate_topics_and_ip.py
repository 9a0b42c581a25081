"""``smemu validate`` for LDA, NTM and IP Insights: their own record rules (word counts; entity,
IP text rows) and channel rules (CSV in File mode only; an auxiliary vocabulary channel)."""

from __future__ import annotations

from smemu.emulator.validation import validate_request

from validate_corpus import request, write

IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/{}:1"


def _messages(report):
    return [p.message for p in report.problems]


def test_ipinsights_reports_every_malformed_address_and_ragged_row(tmp_path):
    lines = [f"user_{i % 7},10.0.{i % 7}.{i % 200 + 1}" for i in range(40)]
    lines[4] = "user_1,10.0.300.2"
    lines[9] = "user_2"
    lines[20] = "user_3,fe80::1::2"
    lines[30] = "user_4,2001:db8::7"          # IPv6 is fine
    write(tmp_path / "train" / "events.csv", "\n".join(lines) + "\n")
    req = request("ipi", IMAGE.format("ipinsights"),
                  {"num_entity_vectors": "20", "vector_dim": "8"},
                  [("train", "train/", "text/csv")])
    report = validate_request(req, base_dir=str(tmp_path))
    problems = [(p.line, p.message) for p in report.problems]
    assert [line for line, _ in problems] == [5, 10, 21]
    assert "malformed IP address '10.0.300.2'" in problems[0][1]
    assert "2 comma-separated fields" in problems[1][1] or "not 2" in problems[1][1]
    assert "malformed IP address 'fe80::1::2'" in problems[2][1]


def test_ipinsights_and_lda_refuse_pipe_mode_where_the_real_ones_do(tmp_path):
    write(tmp_path / "train" / "events.csv", "user_1,10.0.0.1\n")
    ipi = request("ipi-pipe", IMAGE.format("ipinsights"),
                  {"num_entity_vectors": "20", "vector_dim": "8"},
                  [("train", "train/", "text/csv", {"InputMode": "Pipe"})])
    assert any("File mode only" in m for m in _messages(validate_request(ipi, str(tmp_path))))
    write(tmp_path / "docs" / "counts.csv", "1,0,2\n0,3,1\n")
    lda = request("lda-pipe", IMAGE.format("lda"),
                  {"num_topics": "2", "feature_dim": "3", "mini_batch_size": "2"},
                  [("train", "docs/", "text/csv", {"InputMode": "Pipe"})])
    assert any("lda reads text/csv in File mode only" in m and "(channel 'train')" in m
               for m in _messages(validate_request(lda, str(tmp_path))))


def test_ntm_takes_a_vocabulary_and_names_a_negative_count(tmp_path):
    write(tmp_path / "train" / "counts.csv", "1,0,2\n0,-3,1\n2,2,2\n")
    write(tmp_path / "aux" / "vocab.txt", "apple\nbanana\ncherry\n")
    req = request("ntm", IMAGE.format("ntm"), {"num_topics": "2", "feature_dim": "3"},
                  [("train", "train/", "text/csv;label_size=0"),
                   ("auxiliary", "aux/", "text/plain")])
    report = validate_request(req, base_dir=str(tmp_path))
    (problem,) = report.problems
    assert problem.line == 2 and "negative word count" in problem.message
