"""What every built-in algorithm is, and what it is handed.

Algorithms know nothing of files or /opt/ml: the container side hands them *channels* that yield
batches of arrays, and takes back a :class:`ModelArtifact` of arrays to write.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Protocol, Union

import numpy as np

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
    """What an algorithm gives back; the container writes it as ``/opt/ml/model/model_algo-1``.

    ``layout`` says how:
    * ``"ndarray"``: ``model_algo-1`` is an MXNet NDArray file of ``arrays`` (a list or a
      name -> array dict), as ``mx.nd.save`` writes it (k-means).
    * ``"mxnet-module"``: ``model_algo-1`` is a zip holding an MXNet module checkpoint
      (``symbol`` as the symbol JSON, ``arrays`` as its ``.params`` file) and ``manifest``
      (linear learner).
    """

    arrays: ArrayPayload
    layout: str = "ndarray"
    symbol: dict | None = None
    manifest: dict = field(default_factory=dict)


class InputChecks:
    """The checks an algorithm makes of its channels' records while it trains, callable on their
    own so that ``smemu validate`` runs the very same checks (same words) without training.

    Each raises :class:`~smemu.algorithms.errors.DataError`:

    * ``batch(batch, channel)``: what holds for a whole batch (feature width, labels present);
      validate reports a failure once per file;
    * ``records(batch, channel)``: what holds record by record (finite values, label values);
      validate re-runs it on single records to report every bad one;
    * ``end(channel, records)``: after a channel's last record (empty channel, too few records).

    The base class checks nothing; algorithms return their own from ``Algorithm.input_checks``.
    """

    def batch(self, batch: Batch, channel: str) -> None:
        pass

    def records(self, batch: Batch, channel: str) -> None:
        pass

    def end(self, channel: str, records: int) -> None:
        pass


class Algorithm(abc.ABC):
    """A built-in algorithm: its schema, its channels, and how it trains."""

    #: short name users give (``kmeans``) and the ECR repository of the real image
    name: str
    #: the ``Algorithm`` dimension of its ``#metrics`` lines (``AWS/KMeansWebscale``)
    metrics_name: str
    schema: Schema
    required_channels: tuple[str, ...] = ("train",)
    optional_channels: tuple[str, ...] = ()
    #: whether records must carry labels
    supervised: bool = False

    def input_checks(self, config: Config) -> InputChecks:
        """The record checks training makes under ``config`` (see :class:`InputChecks`)."""
        return InputChecks()

    @abc.abstractmethod
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        """Train on ``channels`` (only those given in the job) and return the model."""
