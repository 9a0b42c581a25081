"""What every built-in algorithm is, and what it is handed.

Algorithms know nothing of files or /opt/ml: the container side hands them *channels* that yield
batches of arrays, and takes back a :class:`ModelArtifact` of arrays to write.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Protocol, Union

import numpy as np

from smemu.algorithms.data import check_finite, check_width, empty_channel
from smemu.algorithms.hyperparameters import Config, Schema
from smemu.algorithms.reporting import Reporter

Features = Any  # a 2-D numpy array, or a scipy.sparse.csr_matrix


class Batch(Protocol):
    """A batch of records from one channel (``smemu.formats`` yields these).

    ``features, labels = batch`` unpacks it; ``location(i)`` says where row ``i`` came from in
    words a user can act on, e.g. ``"record 1203 (byte offset 88112) of file part-0001.pbr"`` or
    ``"line 17 of file train.csv"``.
    """

    features: Features
    labels: np.ndarray | None

    def location(self, row: int) -> str: ...

    def __iter__(self): ...


class DataChannel(Protocol):
    """One data channel as an algorithm sees it, whatever the input mode and content type."""

    name: str
    content_type: str

    def batches(self, batch_size: int) -> Iterator[Batch]:
        """One pass over the channel. Each call is a new pass (in Pipe mode, the next FIFO)."""
        ...


ArrayPayload = Union[list, Mapping[str, np.ndarray]]


@dataclass
class ModelArtifact:
    """What an algorithm gives back; the container writes it into ``/opt/ml/model``.

    ``layout`` says how:
    * ``"ndarray"``: ``model_algo-1`` is an MXNet NDArray file of ``arrays`` (a list or a
      name -> array dict), as ``mx.nd.save`` writes it (k-means).
    * ``"mxnet-module"``: ``model_algo-1`` is a zip holding an MXNet module checkpoint
      (``symbol`` as the symbol JSON, ``arrays`` as its ``.params`` file) and ``manifest``
      (linear learner: its ``additional-params.json``); ``checkpoint_style`` names the zip's
      members (a key of ``smemu.formats.mxnet_checkpoint.STYLES``: ``"mx-mod"`` for linear
      learner, ``"plain"`` — ``symbol.json``/``params``/``meta.json`` — for factorization
      machines).
    * ``"files"``: the model is ``files`` (file name -> bytes, e.g. XGBoost's ``xgboost-model``),
      serialised by the algorithm itself (the descriptor's ``model_files`` names them).

    ``extra_files`` (name -> bytes) are written beside the model in every layout.
    """

    arrays: ArrayPayload = field(default_factory=list)
    layout: str = "ndarray"
    symbol: dict | None = None
    manifest: dict = field(default_factory=dict)
    checkpoint_style: str = "mx-mod"
    files: dict = field(default_factory=dict)
    extra_files: dict = field(default_factory=dict)


class InputChecks:
    """The checks an algorithm makes of its channels' records while it trains, callable on their
    own so that ``smemu validate`` runs the very same checks (same words) without training.

    Each raises :class:`~smemu.algorithms.errors.DataError`:

    * ``batch(batch, channel)``: what holds for a whole batch (feature width, labels present);
      validate reports a failure once per file;
    * ``records(batch, channel)``: what holds record by record (finite values, label values);
      validate re-runs it on single records to report every bad one;
    * ``end(channel, records)``: after a channel's last record (empty channel, too few records);
    * ``remarks(channel, records)``: what is worth telling about a channel that training does
      not fail on (image classification: a count other than ``num_training_samples``);
      validate prints them as notes.

    The base class checks nothing; algorithms return their own from ``Algorithm.input_checks``.
    """

    def batch(self, batch: Batch, channel: str) -> None:
        pass

    def records(self, batch: Batch, channel: str) -> None:
        pass

    def end(self, channel: str, records: int) -> None:
        pass

    def remarks(self, channel: str, records: int) -> list[str]:
        return []


class FeatureChecks(InputChecks):
    """What every algorithm reading ``feature_dim`` features checks: the width of each batch,
    finite values in every record, and a channel that is not empty. Algorithms extend it."""

    def __init__(self, config: Config):
        self.feature_dim = config["feature_dim"]

    def batch(self, batch: Batch, channel: str) -> None:
        check_width(batch, self.feature_dim, channel)

    def records(self, batch: Batch, channel: str) -> None:
        check_finite(batch, channel)

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise empty_channel(channel)


def checked_batches(channel: "DataChannel", batch_size: int, checks: InputChecks) -> Iterator[Batch]:
    """One pass over ``channel``: its non-empty batches, each passed through ``checks.batch`` and
    ``checks.records`` first — the checks ``smemu validate`` makes of the same records. Every
    algorithm reads its channels through this, so validation is faithful to training."""
    for batch in channel.batches(batch_size):
        if batch.features.shape[0] == 0:
            continue
        checks.batch(batch, channel.name)
        checks.records(batch, channel.name)
        yield batch


class Algorithm(abc.ABC):
    """A built-in algorithm's trainer. What it *is* (name, schema, channels, metrics) is its
    :class:`~smemu.algorithms.descriptor.AlgorithmDescriptor`, which constructs it."""

    def __init__(self, descriptor):
        self.descriptor = descriptor

    @property
    def name(self) -> str:
        return self.descriptor.name

    @property
    def schema(self) -> Schema:
        return self.descriptor.schema

    @property
    def metrics_name(self) -> str:
        """The ``Algorithm`` dimension of its ``#metrics`` lines (``AWS/KMeansWebscale``)."""
        return self.descriptor.metrics_dimension

    def input_checks(self, config: Config) -> InputChecks:
        """The record checks training makes under ``config`` (see :class:`InputChecks`)."""
        return self.descriptor.new_input_checks(config)

    @abc.abstractmethod
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        """Train on ``channels`` (only those given in the job) and return the model."""
