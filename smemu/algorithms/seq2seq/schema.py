"""Sequence-to-Sequence hyperparameters, as the AWS developer guide's "Sequence-to-Sequence
Hyperparameters" page documents them: names, valid values and defaults. None is required.

Those with no documented default (``max_num_epochs``, ``momentum``, ``rnn_attention_num_hidden``)
are absent unless given. smemu's reference model (see ``smemu.algorithms.seq2seq``) reads
``max_seq_len_source``/``max_seq_len_target`` (truncation), ``batch_size`` and ``max_num_batches``
(how many records one update counts), ``max_num_epochs``, ``checkpoint_threshold``,
``training_metric``, ``optimized_metric`` and ``bleu_sample_size``; the network's settings are
checked and otherwise unused.
"""

from __future__ import annotations

from smemu.algorithms.hyperparameters import Boolean, Choice, Float, Integer, Schema

ATTENTION_TYPES = ("dot", "fixed", "mlp", "bilinear")


def _positive(default=None, doc=""):
    return Integer(default, min=1, doc=doc)


def _dropout(doc=""):
    return Float("0", min=0, max=1, doc=doc)


SCHEMA = Schema(
    "seq2seq",
    {
        "max_seq_len_source": _positive("100", "source sequences are truncated to this length"),
        "max_seq_len_target": _positive("100", "target sequences are truncated to this length"),
        "encoder_type": Choice(("rnn", "cnn"), default="rnn", doc="encoder architecture"),
        "decoder_type": Choice(("rnn", "cnn"), default="rnn", doc="decoder architecture"),
        "num_layers_encoder": _positive("1", "encoder layers"),
        "num_layers_decoder": _positive("1", "decoder layers"),
        "rnn_num_hidden": _positive("1024", "rnn hidden units"),
        "rnn_cell_type": Choice(("lstm", "gru"), default="lstm", doc="rnn cell"),
        "rnn_decoder_state_init": Choice(("last", "avg", "zero"), default="last",
                                         doc="decoder state initialisation"),
        "rnn_residual_connections": Boolean("false", doc="residual connections in stacked rnn"),
        "rnn_first_residual_layer": _positive("2", "first rnn layer with a residual connection"),
        "cnn_kernel_width_encoder": _positive("3", "cnn encoder kernel width"),
        "cnn_kernel_width_decoder": _positive("5", "cnn decoder kernel width"),
        "cnn_num_hidden": _positive("512", "cnn hidden units"),
        "cnn_activation_type": Choice(("glu", "relu", "softrelu", "sigmoid", "tanh"),
                                      default="glu", doc="cnn activation"),
        "cnn_hidden_dropout": _dropout("dropout between convolutional layers"),
        "num_embed_source": _positive("512", "source embedding size"),
        "num_embed_target": _positive("512", "target embedding size"),
        "embed_dropout_source": _dropout("source embedding dropout"),
        "embed_dropout_target": _dropout("target embedding dropout"),
        "rnn_attention_type": Choice(ATTENTION_TYPES, default="mlp", doc="attention model"),
        "rnn_attention_num_hidden": _positive(doc="attention hidden units (default rnn_num_hidden)"),
        "rnn_attention_in_upper_layers": Boolean("true", doc="attention passed to upper layers"),
        "rnn_decoder_hidden_dropout": _dropout("decoder hidden state dropout"),
        "batch_size": _positive("64", "mini-batch size"),
        "bucketing_enabled": Boolean("true", doc="bucketing by length"),
        "bucket_width": _positive("10", "bucket width"),
        "loss_type": Choice(("cross-entropy",), default="cross-entropy", doc="training loss"),
        "training_metric": Choice(("perplexity", "accuracy"), default="perplexity",
                                  doc="metric tracked on the validation data"),
        "optimized_metric": Choice(("perplexity", "accuracy", "bleu"), default="perplexity",
                                   doc="metric early stopping watches"),
        "bleu_sample_size": Integer("0", min=-1,
                                    doc="validation records decoded for bleu (-1: all)"),
        "max_num_batches": Integer("-1", min=-1, doc="maximum updates (-1: no limit)"),
        "checkpoint_frequency_num_batches": _positive("1000", "batches between checkpoints"),
        "checkpoint_threshold": _positive("3", "checkpoints without improvement before stopping"),
        "max_num_epochs": _positive(doc="maximum passes over the train data"),
        "optimizer_type": Choice(("adam", "sgd", "rmsprop"), default="adam", doc="optimizer"),
        "weight_init_type": Choice(("uniform", "xavier"), default="xavier",
                                   doc="weight initialisation"),
        "weight_init_scale": Float("2.34", doc="weight initialisation scale"),
        "xavier_factor_type": Choice(("in", "out", "avg"), default="in", doc="xavier factor"),
        "learning_rate": Float("0.0003", doc="initial learning rate"),
        "weight_decay": Float("0", doc="weight decay"),
        "momentum": Float(doc="sgd momentum"),
        "clip_gradient": Float("1", doc="gradient clipping (negative: none)"),
        "lr_scheduler_type": Choice(("plateau_reduce", "fixed_rate_inv_t",
                                     "fixed_rate_inv_sqrt_t"), default="plateau_reduce",
                                    doc="learning rate schedule"),
        "plateau_reduce_lr_factor": Float("0.5", doc="plateau_reduce factor"),
        "plateau_reduce_lr_threshold": _positive("3", "checkpoints before plateau_reduce acts"),
        "fixed_rate_lr_half_life": _positive("10", "half life of fixed_rate_* schedules"),
        "beam_size": _positive("5", "beam width for decoding"),
    },
)
