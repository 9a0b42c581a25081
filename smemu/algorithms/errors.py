"""Errors an algorithm raises for the user's mistakes (SageMaker's "ClientError")."""


class CustomerError(Exception):
    """The job's input or configuration is wrong; the message tells the user what to fix.

    The container reports these as ``ClientError: <message>`` in /opt/ml/output/failure.
    Anything else an algorithm raises is reported as ``AlgorithmError``.
    """


class HyperparameterError(CustomerError):
    """One hyperparameter (or a combination of them) is missing or not allowed."""

    def __init__(self, message, name=None):
        super().__init__(message)
        self.name = name


class DataError(CustomerError):
    """A record of a data channel cannot be used by the algorithm (wrong width, bad label, NaN...)."""
