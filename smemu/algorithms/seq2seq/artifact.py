"""The model files of smemu's Seq2Seq reference model.

``model_algo-1`` (the built-ins' model file name) is an MXNet NDArray file (``mx.nd.load`` reads
it) holding the sparse translation table: ``keys`` (int64: source id * target vocabulary size +
target id, sorted), ``probabilities`` (float32: t(target | source)) and ``sizes`` = [source vocabulary size, target vocabulary
size]. ``vocab.src.json`` and ``vocab.trg.json`` are the training job's vocabularies, kept so the
endpoint can translate text. The contents are smemu's; the real model holds network weights.
"""

from __future__ import annotations

import io
import json

import numpy as np

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.seq2seq.descriptor import MODEL_FILE, SOURCE_VOCAB, TARGET_VOCAB
from smemu.formats.ndarray import load_ndarrays, save_ndarrays
from smemu.formats.vocabulary import parse_vocabulary



def _vocab_json(tokens) -> bytes:
    return json.dumps({t: i for i, t in enumerate(tokens)}, indent=4,
                      ensure_ascii=False).encode("utf-8")


def model_files(table, vocab: dict) -> dict:
    buf = io.BytesIO()
    save_ndarrays(buf, {
        "keys": table.keys.astype(np.int64),
        "probabilities": table.probabilities.astype(np.float32),
        "sizes": np.array([table.source_vocab, table.target_vocab], np.int32)})
    return {MODEL_FILE: buf.getvalue(), SOURCE_VOCAB: _vocab_json(vocab["source"]),
            TARGET_VOCAB: _vocab_json(vocab["target"])}


def read_model_files(files: dict):
    """(TranslationTable, source tokens, target tokens) from the model files."""
    from smemu.algorithms.seq2seq.model1 import TranslationTable

    arrays = load_ndarrays(io.BytesIO(files[MODEL_FILE]), name=MODEL_FILE)
    if not isinstance(arrays, dict) or not {"keys", "probabilities", "sizes"} <= set(arrays):
        raise CustomerError(f"{MODEL_FILE} is not a seq2seq model written by smemu: it lacks "
                            f"the arrays keys, probabilities and sizes.")
    sizes = arrays["sizes"].astype(int)
    table = TranslationTable(arrays["keys"].astype(np.int64), arrays["probabilities"],
                             int(sizes[0]), int(sizes[1]))
    return (table, parse_vocabulary(files[SOURCE_VOCAB], SOURCE_VOCAB),
            parse_vocabulary(files[TARGET_VOCAB], TARGET_VOCAB))
