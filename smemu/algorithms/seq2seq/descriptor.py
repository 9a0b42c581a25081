"""Sequence-to-Sequence as smemu knows it: SageMaker's built-in ``seq2seq`` image.

Channels, input mode and formats follow the AWS developer guide pages "Sequence-to-Sequence
Algorithm" (three channels, all needed: ``train``, ``validation``, ``vocab`` with vocab.src.json
and vocab.trg.json; RecordIO-protobuf with Int32 token ids) and "Common Information About Built-in
Algorithms" (File mode only, a single instance); the hyperparameters "Sequence-to-Sequence
Hyperparameters"; the tunable metrics "Tune a Sequence-to-Sequence Model" (validation:accuracy,
validation:bleu, validation:perplexity). The regexes are smemu's: the service's own for seq2seq
were not found, so they follow the ``#quality_metric`` form of the other built-ins.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF, AlgorithmDescriptor, ChannelRule
from smemu.algorithms.metric_definitions import COMMON, maximize, minimize, quality_metric
from smemu.algorithms.seq2seq.schema import SCHEMA

# the model files (:mod:`.artifact` writes them); named here, as the descriptor stays free of numpy
MODEL_FILE = "model_algo-1"
SOURCE_VOCAB, TARGET_VOCAB = "vocab.src.json", "vocab.trg.json"
FILES = (MODEL_FILE, SOURCE_VOCAB, TARGET_VOCAB)

_ONE_INSTANCE = dict(content_types=(RECORDIO_PROTOBUF,), input_modes=("File",),
                     distributions=("FullyReplicated",))

DESCRIPTOR = AlgorithmDescriptor(
    name="seq2seq",
    image_repositories=("seq2seq",),
    image_account="811284229777",
    metrics_dimension="AWS/Seq2Seq",
    schema=SCHEMA,
    channels=(
        # read first: the token ids of the others are checked against it
        ChannelRule("vocab", required=True, record_kind="vocabulary", **_ONE_INSTANCE,
                    doc="vocab.src.json and vocab.trg.json"),
        ChannelRule("train", required=True, record_kind="sequence-pairs", **_ONE_INSTANCE,
                    doc="sentence pairs: Int32 features['source'] and features['target']"),
        ChannelRule("validation", required=True, record_kind="sequence-pairs", **_ONE_INSTANCE,
                    doc="sentence pairs scored after each epoch"),
    ),
    supervised=True,
    metric_definitions=COMMON + (
        quality_metric("validation", "perplexity"),
        quality_metric("validation", "accuracy", "score"),
        quality_metric("validation", "bleu", "score"),
    ),
    tunable_metrics=minimize("validation:perplexity") + maximize("validation:accuracy",
                                                                 "validation:bleu"),
    trainer="smemu.algorithms.seq2seq:Seq2Seq",
    input_checks="smemu.algorithms.seq2seq.checks:Seq2SeqChecks",
    predictor="smemu.algorithms.seq2seq.inference:load_model",
    model_files=FILES,
    sample="smemu.algorithms.seq2seq.sample:sample",
)
