"""Sequence-to-Sequence (``seq2seq``) with smemu's reference model: IBM Model 1, then greedy
decoding with the learnt word-translation table.

The real algorithm trains an attention-based RNN or CNN encoder-decoder on GPUs; smemu does not
pretend to. It takes the real contract — the ``vocab``, ``train`` and ``validation`` channels,
the hyperparameters, the metric names, the artifact's place and the serving formats — and trains a
small statistical model that does translate (see :mod:`.model1`), saying so in the job's log.

Training: each epoch is one EM iteration over the train pairs (truncated to
``max_seq_len_source``/``max_seq_len_target``); after each, the validation channel is scored
(``validation perplexity``, ``validation accuracy``, ``validation bleu``) and the best table by
``optimized_metric`` is kept. Training stops after ``max_num_epochs`` epochs (smemu's default
when it is not given: 20), after ``max_num_batches`` batches of ``batch_size`` records, or when
``optimized_metric`` has not improved for ``checkpoint_threshold`` epochs.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, ModelArtifact, checked_batches
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.seq2seq.checks import VOCAB_CHANNEL, vocab_side
from smemu.algorithms.seq2seq.model1 import Model1Trainer, Pairs
from smemu.algorithms.seq2seq.artifact import model_files
from smemu.algorithms.seq2seq.scores import corpus_bleu, perplexity, token_accuracy

DEFAULT_MAX_EPOCHS = 20
#: the reference model's memory budget: (source + 1) * target position pairs of a channel it
#: learns from or scores; pairs beyond it are read and checked but not used (the log says so)
MAX_POSITION_PAIRS = 20_000_000
READ_BATCH = 1000
MAXIMIZED = ("accuracy", "bleu")
NOTICE = ("smemu runs a small reference model for seq2seq, not the real attention network: "
          "IBM Model 1 word-translation probabilities learnt by EM, decoded greedily word by "
          "word. Its translations and metrics show that the pipeline works, not what the real "
          "algorithm would reach.")


def _read_pairs(channel, checks, config):
    sources, targets = [], []
    max_src, max_trg = config["max_seq_len_source"], config["max_seq_len_target"]
    for batch in checked_batches(channel, READ_BATCH, checks):
        sources += [s[:max_src] for s in batch.sources()]
        targets += [t[:max_trg] for t in batch.targets()]
    checks.end(channel.name, len(sources))
    return sources, targets


def _within_budget(pairs, channel: str, reporter):
    sources, targets = pairs
    cost = np.cumsum([(len(s) + 1) * len(t) for s, t in zip(sources, targets)])
    keep = max(1, int(np.searchsorted(cost, MAX_POSITION_PAIRS, side="right")))
    if keep < len(sources):
        reporter.warning("The reference model uses the first %d of the %d %s sentence pairs "
                         "(its memory budget); the rest were checked but not used.",
                         keep, len(sources), channel)
    return sources[:keep], targets[:keep]


def _read_vocabularies(channel, checks) -> dict:
    vocab = {}
    for batch in checked_batches(channel, READ_BATCH, checks):
        side = vocab_side(batch.source)
        if side is not None:
            vocab[side] = batch.tokens
    checks.end(channel.name, len(vocab))
    return vocab


class Seq2Seq(Algorithm):
    def train(self, config, channels: Mapping, reporter) -> ModelArtifact:
        for name in self.descriptor.required_channels:
            if name not in channels:
                raise CustomerError(f"Channel '{name}' is missing: seq2seq needs the train, "
                                    f"validation and vocab channels.")
        reporter.warning(NOTICE)
        checks = self.input_checks(config)
        vocab = _read_vocabularies(channels[VOCAB_CHANNEL], checks)
        started = time.monotonic()
        train = _within_budget(_read_pairs(channels["train"], checks, config), "train",
                               reporter)
        validation = _within_budget(_read_pairs(channels["validation"], checks, config),
                                    "validation", reporter)
        n_src, n_trg = len(vocab["source"]), len(vocab["target"])
        reporter.info("Vocabulary sizes: source %d, target %d; %d train and %d validation "
                      "sentence pairs", n_src, n_trg, len(train[0]), len(validation[0]))

        trainer = Model1Trainer(*train, n_src, n_trg)
        valid_pairs = Pairs.of(*validation, null=n_src)
        bleu_rows = self._bleu_rows(config, len(validation[0]))
        best, best_value, stale = None, None, 0
        max_epochs = config["max_num_epochs"] or DEFAULT_MAX_EPOCHS
        batches_per_epoch = -(-len(train[0]) // config["batch_size"])
        batches = 0
        for epoch in range(max_epochs):
            table = trainer.step()
            batches += batches_per_epoch
            train_ppl = perplexity(table.log_likelihoods(trainer.pairs))
            reporter.info("Epoch[%d] Train-perplexity=%f", epoch, train_ppl)
            values = self._score(config, table, valid_pairs, validation, bleu_rows)
            for metric, value in values.items():
                reporter.info("Epoch[%d] Validation-%s=%f", epoch, metric, value)
                reporter.quality("validation", metric, value,
                                 kind="loss" if metric == "perplexity" else "score")
            reporter.progress((epoch + 1) / max_epochs)
            value = values[config["optimized_metric"]]
            better = best_value is None or (value > best_value if config["optimized_metric"]
                                            in MAXIMIZED else value < best_value)
            if better:
                best, best_value, stale = table, value, 0
            else:
                stale += 1
                if stale >= config["checkpoint_threshold"]:
                    reporter.info("Stopping: validation %s has not improved for %d checkpoints",
                                  config["optimized_metric"], stale)
                    break
            if 0 < config["max_num_batches"] <= batches:
                reporter.info("Stopping: max_num_batches=%d reached", config["max_num_batches"])
                break
        seconds = max(time.monotonic() - started, 1e-9)
        reporter.throughput(len(train[0]) * (epoch + 1) / seconds)
        reporter.info("Best validation %s: %f", config["optimized_metric"], best_value)
        return ModelArtifact(layout="files", files=model_files(best, vocab))

    @staticmethod
    def _bleu_rows(config, n: int):
        """Which validation records are decoded for BLEU: ``bleu_sample_size`` of them drawn at
        random (-1: all), all when BLEU is the optimized metric and the size is 0; None: BLEU
        is not computed."""
        size = config["bleu_sample_size"]
        if size == 0 and config["optimized_metric"] != "bleu":
            return None
        if size in (0, -1) or size >= n:
            return np.arange(n)
        return np.sort(np.random.default_rng(0).choice(n, size, replace=False))

    @staticmethod
    def _score(config, table, valid_pairs, validation, bleu_rows) -> dict:
        sources, targets = validation
        values = {}
        wanted = {config["training_metric"], config["optimized_metric"]}
        if "perplexity" in wanted:
            values["perplexity"] = perplexity(table.log_likelihoods(valid_pairs))
        if "accuracy" in wanted:
            values["accuracy"] = token_accuracy([table.translate(s) for s in sources], targets)
        if bleu_rows is not None:
            values["bleu"] = corpus_bleu([table.translate(sources[i]) for i in bleu_rows],
                                         [targets[i] for i in bleu_rows])
        return values
