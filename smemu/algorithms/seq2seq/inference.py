"""Serving smemu's Seq2Seq reference model in the real endpoint's formats (AWS developer guide,
"Sequence-to-Sequence Algorithm", Inference; the seq2seq example notebook):

* ``application/json``: ``{"instances": [{"data": "source sentence"}, ...]}`` (tokens separated
  by whitespace, words outside vocab.src.json read as <unk>) answered with
  ``{"predictions": [{"target": "translation"}, ...]}``; an instance with
  ``"configuration": {"attention_matrix": "true"}`` also gets ``"matrix"``, one row per target
  token (here Model 1's alignment posteriors over the source tokens);
* ``application/jsonlines`` (batch transform): ``{"source": "..."}`` per line, answered with
  ``{"target": "..."}`` per line;
* ``application/x-recordio-protobuf``: Records with Int32 ``features['source']`` token ids (and an
  empty ``target``, as the notebook sends them), answered with Records holding the translation's
  ids in ``features['target']``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np

from smemu.algorithms.errors import DataError
from smemu.algorithms.inference import Predictor
from smemu.algorithms.seq2seq.artifact import read_model_files
from smemu.formats import FormatError
from smemu.formats.recordio import write_recordio
from smemu.formats.sequences import encode_targets, read_sequence_pairs

JSON, JSONLINES = "application/json", "application/jsonlines"
RECORDIO_PROTOBUF = "application/x-recordio-protobuf"
SPECIAL = {"<pad>", "<s>", "</s>"}


@dataclass
class Request:
    """Decoded requests: each source's token ids, and whether it asked for the matrix."""

    sources: list
    matrix: list
    media: str


class Seq2SeqPredictor(Predictor):
    feature_dim = 0
    output_names = ("target",)
    csv_output = False
    request_types = (JSON, JSONLINES, RECORDIO_PROTOBUF)

    def __init__(self, table, source_tokens, target_tokens):
        self.table = table
        self.source_tokens = source_tokens
        self.target_tokens = target_tokens
        self.source_ids = {t: i for i, t in enumerate(source_tokens)}
        self.unk = self.source_ids.get("<unk>", 1)

    # requests --------------------------------------------------------------------------------
    def _ids(self, text, where: str) -> np.ndarray:
        if not isinstance(text, str):
            raise DataError(f"The source at {where} is {type(text).__name__}, not a string of "
                            f"whitespace-separated tokens.")
        return np.array([self.source_ids.get(t, self.unk) for t in text.split()], np.int64)

    def decode(self, body: bytes, media: str):
        if media == RECORDIO_PROTOBUF:
            try:
                batches = list(read_sequence_pairs(io.BytesIO(body), name="<request body>"))
            except FormatError as exc:
                raise DataError(str(exc)) from None
            sources = [s for b in batches for s in b.sources()]
            return Request(sources, [False] * len(sources), media)
        try:
            text = body.decode("utf-8")
            if media == JSONLINES:
                lines = [(n, json.loads(line)) for n, line in enumerate(text.splitlines(), 1)
                         if line.strip()]
                return Request([self._ids(self._field(obj, "source", f"line {n}"), f"line {n}")
                                for n, obj in lines], [False] * len(lines), media)
            payload = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"The request body is not valid JSON: {exc}.") from None
        instances = payload.get("instances") if isinstance(payload, dict) else None
        if not isinstance(instances, list):
            raise DataError('The request must be a JSON object {"instances": [{"data": '
                            '"source sentence"}, ...]}.')
        sources, matrix = [], []
        for i, instance in enumerate(instances):
            where = f"instance {i}"
            sources.append(self._ids(self._field(instance, "data", where), where))
            config = instance.get("configuration") or {}
            matrix.append(str(config.get("attention_matrix", "")).lower() == "true")
        return Request(sources, matrix, media)

    @staticmethod
    def _field(obj, key: str, where: str):
        if not isinstance(obj, dict) or key not in obj:
            raise DataError(f"The request's {where} has no {key!r}: send "
                            f'{{"{key}": "source sentence"}}.')
        return obj[key]

    # model -----------------------------------------------------------------------------------
    def predict(self, features) -> dict:
        sources = features.sources if isinstance(features, Request) else list(features)
        targets = [self.table.translate(s) for s in sources]
        out = {"target": targets}
        if isinstance(features, Request) and any(features.matrix):
            out["matrix"] = [self.table.alignment(s, t) if want else None
                             for s, t, want in zip(sources, targets, features.matrix)]
        return out

    def text(self, ids) -> str:
        words = (self.target_tokens[i] if 0 <= i < len(self.target_tokens) else "<unk>"
                 for i in map(int, ids))
        return " ".join(w for w in words if w not in SPECIAL)

    # responses -------------------------------------------------------------------------------
    def encode(self, outputs: dict, accept: str, batch: bool) -> bytes:
        targets = outputs["target"]
        if accept == RECORDIO_PROTOBUF:
            buf = io.BytesIO()
            write_recordio(buf, encode_targets(targets))
            return buf.getvalue()
        answers = []
        matrices = outputs.get("matrix") or [None] * len(targets)
        for ids, matrix in zip(targets, matrices):
            answer = {"target": self.text(ids)}
            if matrix is not None:
                answer["matrix"] = np.round(matrix, 6).tolist()
            answers.append(answer)
        if accept == JSONLINES:
            return "".join(json.dumps(a) + "\n" for a in answers).encode()
        return json.dumps({"predictions": answers}).encode()


def load_model(artifact) -> Seq2SeqPredictor:
    return Seq2SeqPredictor(*read_model_files(artifact.files))
