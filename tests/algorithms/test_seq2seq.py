"""Seq2Seq: its record and vocabulary formats, the IBM Model 1 reference model (against a plain
loop implementation of the same EM), ``smemu validate`` on broken inputs (in the words the
training job fails with), and serving in the real request/response formats."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from smemu.algorithms.errors import HyperparameterError
from smemu.algorithms.seq2seq.model1 import Model1Trainer, Pairs
from smemu.algorithms.seq2seq.sample import corpus_files, word_bleu
from smemu.algorithms.seq2seq.schema import SCHEMA
from smemu.algorithms.seq2seq.scores import corpus_bleu, perplexity
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.emulator.validation import validate_request
from smemu.formats import FormatError
from smemu.formats.recordio import read_recordio, write_recordio
from smemu.formats.sequences import encode_pairs, read_sequence_pairs, write_sequence_pairs
from smemu.formats.vocabulary import read_vocabulary
from smemu.proto import record_pb2

IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1"


@pytest.fixture(scope="module")
def corpus():
    return corpus_files(np.random.default_rng(11))


# formats --------------------------------------------------------------------------------------
def test_sentence_pairs_round_trip_as_the_notebook_writes_them():
    sources = [np.array([4, 5, 6]), np.array([7])]
    targets = [np.array([8, 9]), np.array([10, 11, 12, 13])]
    buf = io.BytesIO()
    write_sequence_pairs(buf, sources, targets)
    # the layout of create_vocab_proto.py's list_to_record_bytes
    payload, _ = next(read_recordio(io.BytesIO(buf.getvalue())))
    record = record_pb2.Record()
    record.ParseFromString(payload)
    assert list(record.features["source"].int32_tensor.values) == [4, 5, 6]
    assert list(record.features["target"].int32_tensor.values) == [8, 9]
    (batch,) = read_sequence_pairs(io.BytesIO(buf.getvalue()), name="t.rec")
    assert [list(s) for s in batch.sources()] == [[4, 5, 6], [7]]
    assert [list(t) for t in batch.targets()] == [[8, 9], [10, 11, 12, 13]]


def test_a_float_tensor_is_a_format_error_naming_the_record():
    record = record_pb2.Record()
    record.features["source"].float32_tensor.values.extend([1.0, 2.0])
    record.features["target"].int32_tensor.values.extend([4])
    buf = io.BytesIO()
    write_recordio(buf, encode_pairs([[4]], [[5]]) + [record.SerializeToString()])
    with pytest.raises(FormatError) as info:
        list(read_sequence_pairs(io.BytesIO(buf.getvalue()), name="t.rec"))
    assert info.value.record == 1
    assert "features['source'] holds a Float32 tensor" in str(info.value)


@pytest.mark.parametrize("text, words", [
    ('{"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "a": 3}', "have the same id 3"),
    ('{"<pad>": 0, "<unk>": 1, "<s>": 2, "a": 3}', "lacks the special symbol(s) </s>"),
    ('{"<pad>": 1, "<unk>": 0, "<s>": 2, "</s>": 3}', "<pad> has id 1; it must be 0"),
    ('{"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 9}', "outside 0..3"),
    ('["<pad>"]', "not an object"),
    ('{"<pad>": 0,', "not valid JSON"),
])
def test_a_bad_vocabulary_is_a_format_error_naming_the_file(text, words):
    with pytest.raises(FormatError) as info:
        list(read_vocabulary(io.BytesIO(text.encode()), name="vocab/vocab.src.json"))
    assert words in str(info.value) and "vocab/vocab.src.json" in str(info.value)


# the reference model --------------------------------------------------------------------------
def _loop_em_step(sources, targets, t, null):
    """One IBM Model 1 EM iteration written as the textbook's loops (dict of (f, e) -> t)."""
    counts, totals = {}, {}
    for src, trg in zip(sources, targets):
        words = [null] + [int(f) for f in src]
        for e in map(int, trg):
            z = sum(t[(f, e)] for f in words)
            for f in words:
                c = t[(f, e)] / z
                counts[(f, e)] = counts.get((f, e), 0.0) + c
                totals[f] = totals.get(f, 0.0) + c
    return {k: v / totals[k[0]] for k, v in counts.items()}


def test_vectorised_em_equals_the_loop_implementation(corpus):
    _, encoded, (sv, tv) = corpus
    sources, targets = encoded["train"]
    sources, targets = sources[:60], targets[:60]
    trainer = Model1Trainer(sources, targets, len(sv), len(tv))
    t = {(int(k // len(tv)), int(k % len(tv))): p for k, p in zip(trainer.keys, trainer.t)}
    for _ in range(3):
        table = trainer.step()
        t = _loop_em_step(sources, targets, t, null=len(sv))
    got = {(int(k // len(tv)), int(k % len(tv))): p
           for k, p in zip(table.keys, table.probabilities)}
    assert got.keys() == t.keys()
    np.testing.assert_allclose([got[k] for k in t], [t[k] for k in t], rtol=1e-10)


def test_model1_translates_the_corpus_far_above_the_copy_baseline(corpus):
    _, encoded, (sv, tv) = corpus
    trainer = Model1Trainer(*encoded["train"], len(sv), len(tv))
    valid = Pairs.of(*encoded["validation"], null=len(sv))
    ppl = []
    for _ in range(6):
        table = trainer.step()
        ppl.append(perplexity(table.log_likelihoods(valid)))
    assert all(a > b for a, b in zip(ppl, ppl[1:])), ppl   # EM never lowers the likelihood
    sw = {i: w for w, i in sv.items()}
    tw = {i: w for w, i in tv.items()}
    sources, targets = encoded["validation"]
    refs = [[tw[int(i)] for i in t] for t in targets]
    bleu = word_bleu([[tw[int(i)] for i in table.translate(s)] for s in sources], refs)
    copy = word_bleu([[sw[int(i)] for i in s] for s in sources], refs)
    assert bleu > 0.9 and copy < 0.3, (bleu, copy)


def test_bleu_of_known_cases():
    ref = [[10, 11, 12, 13, 14]]
    assert corpus_bleu(ref, ref) == pytest.approx(1.0)
    assert corpus_bleu([[10, 11, 12, 13]], ref) == pytest.approx(np.exp(1 - 5 / 4))
    assert corpus_bleu([[14, 13, 12, 11, 10]], ref) == 0.0


def test_hyperparameters_as_documented():
    defaults = SCHEMA.defaults()
    assert defaults["max_seq_len_source"] == "100" and defaults["beam_size"] == "5"
    assert "max_num_epochs" not in defaults and "momentum" not in defaults
    with pytest.raises(HyperparameterError) as info:
        SCHEMA.resolve({"optimized_metric": "rouge"})
    assert "optimized_metric" in str(info.value)
    with pytest.raises(HyperparameterError):
        SCHEMA.resolve({"rnn_cell_type": "rnn"})


# validate and train on broken inputs ----------------------------------------------------------
def _job(tmp_path: Path, files: dict, hyperparameters=None) -> dict:
    channels = []
    for channel, named in files.items():
        for name, data in named.items():
            path = tmp_path / "data" / channel / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        channels.append({"ChannelName": channel, "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"data/{channel}/",
            "S3DataDistributionType": "FullyReplicated"}}})
    return {
        "TrainingJobName": "s2s", "RoleArn": "arn:aws:iam::123456789012:role/R",
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "HyperParameters": hyperparameters or {"max_num_epochs": "3"},
        "InputDataConfig": channels, "OutputDataConfig": {"S3OutputPath": "out"},
        "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1,
                           "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600}}


def _run(tmp_path, request):
    spec = TrainingJobSpec.from_request(request, base_dir=str(tmp_path))
    return run_job(spec, store=JobStore(tmp_path / "jobs"), on_log=lambda line: None,
                   stop_grace=5)


def _broken(corpus, channel, name, data):
    files = {ch: dict(named) for ch, named in corpus[0].items()}
    if data is None:
        del files[channel][name]
    else:
        files[channel][name] = data
    return files


def _pairs(sources, targets) -> bytes:
    buf = io.BytesIO()
    write_sequence_pairs(buf, sources, targets)
    return buf.getvalue()


def test_validate_and_training_report_a_token_id_outside_the_vocabulary(tmp_path, corpus):
    _, encoded, (sv, tv) = corpus
    sources, targets = [list(s) for s in encoded["validation"][0]], encoded["validation"][1]
    sources[5][1] = len(sv) + 3
    files = _broken(corpus, "validation", "validation.rec", _pairs(sources, targets))
    request = _job(tmp_path, files)
    report = validate_request(request, base_dir=str(tmp_path))
    (problem,) = report.problems
    assert problem.channel == "validation" and problem.record == 5
    assert problem.file.endswith("validation/validation.rec")
    assert f"source token id {len(sv) + 3} (position 1)" in problem.message
    assert f"vocab.src.json has {len(sv)} tokens" in problem.message
    record = _run(tmp_path, request)
    assert record["TrainingJobStatus"] == "Failed"
    assert problem.message in record["FailureReason"]


def test_validate_and_training_report_an_empty_target(tmp_path, corpus):
    _, encoded, _ = corpus
    sources, targets = encoded["train"]
    targets = list(targets)
    targets[2] = np.zeros(0, np.int32)
    request = _job(tmp_path, _broken(corpus, "train", "train.rec", _pairs(sources, targets)))
    (problem,) = validate_request(request, base_dir=str(tmp_path)).problems
    assert problem.record == 2 and "empty target sequence" in problem.message
    assert problem.message in _run(tmp_path, request)["FailureReason"]


def test_validate_and_training_report_a_missing_and_a_broken_vocabulary(tmp_path, corpus):
    request = _job(tmp_path / "a", _broken(corpus, "vocab", "vocab.trg.json", None))
    (problem,) = validate_request(request, base_dir=str(tmp_path / "a")).problems
    assert problem.channel == "vocab" and "lacks vocab.trg.json" in problem.message
    assert problem.message in _run(tmp_path / "a", request)["FailureReason"]

    bad = b'{"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "w1": 3}'
    request = _job(tmp_path / "b", _broken(corpus, "vocab", "vocab.src.json", bad))
    problems = validate_request(request, base_dir=str(tmp_path / "b")).problems
    assert problems[0].file.endswith("vocab/vocab.src.json")
    assert "have the same id 3" in problems[0].message
    assert problems[0].message in _run(tmp_path / "b", request)["FailureReason"]


def test_a_job_without_the_vocab_channel_is_refused(tmp_path, corpus):
    files = {ch: named for ch, named in corpus[0].items() if ch != "vocab"}
    record = _run(tmp_path, _job(tmp_path, files))
    assert record["TrainingJobStatus"] == "Failed"
    assert "vocab" in record["FailureReason"]


# serving --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory, corpus):
    tmp_path = tmp_path_factory.mktemp("served")
    record = _run(tmp_path, _job(tmp_path, corpus[0], {"max_num_epochs": "5",
                                                       "optimized_metric": "bleu"}))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    model_dir = tmp_path / "model"
    with tarfile.open(record["ModelArtifacts"]["S3ModelArtifacts"][len("file://"):]) as tar:
        names = set(tar.getnames())
        tar.extractall(model_dir, filter="data")
    assert {"model_algo-1", "vocab.src.json", "vocab.trg.json"} <= names
    from smemu.containers.serve import ServingConfig, build_app
    opt_ml = tmp_path / "opt_ml"
    opt_ml.mkdir()
    (opt_ml / "model").symlink_to(model_dir)
    return build_app(ServingConfig({"SMEMU_OPT_ML": str(opt_ml), "SMEMU_ALGORITHM": "seq2seq"}))


def _invoke(app, body: bytes, content_type: str, accept: str):
    status = {}
    environ = {"PATH_INFO": "/invocations", "REQUEST_METHOD": "POST",
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
               "HTTP_ACCEPT": accept, "wsgi.input": io.BytesIO(body)}
    answer = b"".join(app(environ, lambda line, headers: status.update(code=int(line[:3]))))
    return status["code"], answer


def _language(corpus):
    """Source sentence -> its reference translation, for a few validation pairs."""
    _, encoded, (sv, tv) = corpus
    sw = {i: w for w, i in sv.items()}
    tw = {i: w for w, i in tv.items()}
    sources, targets = encoded["validation"]
    return [(" ".join(sw[int(i)] for i in s), " ".join(tw[int(i)] for i in t))
            for s, t in zip(sources[:4], targets[:4])]


def test_json_request_is_translated(served, corpus):
    pairs = _language(corpus)
    body = {"instances": [{"data": s} for s, _ in pairs]
            + [{"data": "w1 unheard-of", "configuration": {"attention_matrix": "true"}}]}
    code, answer = _invoke(served, json.dumps(body).encode(), "application/json",
                           "application/json")
    assert code == 200, answer
    predictions = json.loads(answer)["predictions"]
    assert [p["target"] for p in predictions[:4]] == [t for _, t in pairs]
    last = predictions[4]
    assert last["target"].split()[1] == "<unk>"
    matrix = np.array(last["matrix"])
    assert matrix.shape == (2, 2) and matrix[0].argmax() == 0


def test_recordio_protobuf_token_ids_both_ways(served, corpus):
    _, encoded, _ = corpus
    sources, targets = encoded["validation"]
    buf = io.BytesIO()
    write_recordio(buf, encode_pairs(sources[:5], [[]] * 5))
    code, answer = _invoke(served, buf.getvalue(), "application/x-recordio-protobuf",
                           "application/x-recordio-protobuf")
    assert code == 200, answer
    got = []
    for payload, _ in read_recordio(io.BytesIO(answer)):
        record = record_pb2.Record()
        record.ParseFromString(payload)
        got.append(list(record.features["target"].int32_tensor.values))
    assert got == [list(t) for t in targets[:5]]


def test_jsonlines_for_batch_transform_and_a_bad_request(served, corpus, caplog):
    pairs = _language(corpus)
    body = "".join(json.dumps({"source": s}) + "\n" for s, _ in pairs).encode()
    code, answer = _invoke(served, body, "application/jsonlines", "application/jsonlines")
    assert code == 200
    assert [json.loads(line)["target"] for line in answer.decode().splitlines()] == \
        [t for _, t in pairs]
    code, answer = _invoke(served, b'{"instances": [{"text": "w1"}]}', "application/json",
                           "application/json")
    # the built-ins' bare 400 body; what is wrong goes to the serving log
    assert code == 400 and answer == b"unable to evaluate payload provided"
    assert "instance 0 has no 'data'" in caplog.text


def test_the_reference_model_keeps_to_its_memory_budget(monkeypatch):
    import smemu.algorithms.seq2seq as s2s

    warned = []

    class Reporter:
        def warning(self, message, *args):
            warned.append(message % args)

    monkeypatch.setattr(s2s, "MAX_POSITION_PAIRS", 50)
    pairs = ([np.arange(3)] * 10, [np.arange(4)] * 10)      # (3 + 1) * 4 = 16 pairs each
    sources, targets = s2s._within_budget(pairs, "train", Reporter())
    assert len(sources) == len(targets) == 3
    assert "first 3 of the 10 train sentence pairs" in warned[0]
