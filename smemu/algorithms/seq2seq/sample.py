"""A tiny parallel corpus Seq2Seq must learn: a word-for-word "language" pair.

Each source word ``w<k>`` has one translation ``m<p(k)>`` (a fixed random permutation); sentences
are 3 to 8 random words. Vocabularies and records are built the way the seq2seq example's
``create_vocab_proto.py`` builds them (special symbols first, then words by frequency).
"""

from __future__ import annotations

import io
import json
from collections import Counter

import numpy as np

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF, SampleData
from smemu.formats.recordio import write_recordio
from smemu.formats.sequences import encode_pairs, write_sequence_pairs
from smemu.formats.vocabulary import SPECIAL

WORDS = 24


def build_vocab(sentences) -> dict:
    counts = Counter(t for s in sentences for t in s.split())
    ranked = sorted(((c, w) for w, c in counts.items()), reverse=True)
    return {w: i for i, w in enumerate(list(SPECIAL) + [w for _, w in ranked])}


def parallel_corpus(rng, pairs: int, words: int = WORDS):
    """``pairs`` (source sentence, target sentence) strings. A third of the words are names
    (``n<k>``), the same in both languages — so copying the source is a baseline that scores —
    the others ``w<k>`` translate to ``m<p(k)>``."""
    names = words // 3
    mapping = {f"w{k}": f"m{p}" for k, p in enumerate(rng.permutation(words - names))}
    mapping.update({f"n{k}": f"n{k}" for k in range(names)})
    vocabulary = sorted(mapping)
    out = []
    for _ in range(pairs):
        chosen = [vocabulary[k] for k in rng.integers(0, len(vocabulary),
                                                       size=int(rng.integers(3, 9)))]
        out.append((" ".join(chosen), " ".join(mapping[w] for w in chosen)))
    return out


def encode(sentences, vocab) -> list[np.ndarray]:
    return [np.array([vocab.get(t, vocab["<unk>"]) for t in s.split()], np.int32)
            for s in sentences]


def corpus_files(rng, train_pairs: int = 400, validation_pairs: int = 80):
    """(channel -> {file name: bytes}, train sources, train targets, vocabularies)."""
    train = parallel_corpus(rng, train_pairs)
    validation = _same_language(rng, train, validation_pairs)
    src_vocab = build_vocab([s for s, _ in train])
    trg_vocab = build_vocab([t for _, t in train])
    files = {"vocab": {"vocab.src.json": json.dumps(src_vocab, indent=4).encode(),
                       "vocab.trg.json": json.dumps(trg_vocab, indent=4).encode()}}
    encoded = {}
    for name, data in (("train", train), ("validation", validation)):
        sources = encode([s for s, _ in data], src_vocab)
        targets = encode([t for _, t in data], trg_vocab)
        buf = io.BytesIO()
        write_sequence_pairs(buf, sources, targets)
        files[name] = {f"{name}.rec": buf.getvalue()}
        encoded[name] = (sources, targets)
    return files, encoded, (src_vocab, trg_vocab)


def _same_language(rng, train, n):  # noqa: D401
    """``n`` new sentence pairs of the language ``train`` is in (its word mapping)."""
    mapping = {}
    for s, t in train:
        mapping.update(zip(s.split(), t.split()))
    words = sorted(mapping)
    out = []
    for _ in range(n):
        ks = rng.choice(len(words), size=int(rng.integers(3, 9)))
        out.append((" ".join(words[k] for k in ks), " ".join(mapping[words[k]] for k in ks)))
    return out


def word_bleu(hypotheses, references) -> float:
    """Corpus BLEU over words (lists of strings)."""
    from smemu.algorithms.seq2seq.scores import corpus_bleu

    ids: dict = {}
    as_ids = lambda words: [ids.setdefault(w, len(ids) + 10) for w in words]  # noqa: E731
    return corpus_bleu([as_ids(h) for h in hypotheses], [as_ids(r) for r in references])


def _quality_for(src_vocab, trg_vocab):
    src_words = {i: w for w, i in src_vocab.items()}
    trg_words = {i: w for w, i in trg_vocab.items()}

    def quality(predictions, sources, targets):
        """Corpus BLEU of the translations, in words; the floor is the copy baseline (the source
        sentence given as its translation: right for the names only) plus 0.4."""
        hypotheses = [[trg_words[int(i)] for i in ids] for ids in predictions["target"]]
        references = [[trg_words[int(i)] for i in ids] for ids in targets]
        copies = [[src_words[int(i)] for i in ids] for ids in sources]
        return word_bleu(hypotheses, references), word_bleu(copies, references) + 0.4
    return quality


def sample(rng) -> list[SampleData]:
    files, encoded, (src_vocab, trg_vocab) = corpus_files(rng)
    sources, targets = encoded["train"]
    request = io.BytesIO()
    write_recordio(request, encode_pairs(sources[:3]))
    common = dict(files=files, channels={"train": encoded["train"]},
                  content_type=RECORDIO_PROTOBUF,
                  quality=_quality_for(src_vocab, trg_vocab),
                  request_body=request.getvalue())
    return [
        SampleData(hyperparameters={"optimized_metric": "bleu", "bleu_sample_size": "-1",
                                    "max_num_epochs": "8"}, **common),
        SampleData(hyperparameters={"training_metric": "accuracy",
                                    "optimized_metric": "accuracy", "max_num_epochs": "3"},
                   **common),
    ]
