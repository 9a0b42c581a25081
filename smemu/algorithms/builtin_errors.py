"""The built-in algorithms' own error words, in one table.

A failure file (``/opt/ml/output/failure``, hence DescribeTrainingJob's FailureReason) and a
serving log line start with the words the real containers use, so what a user searches for or
matches on reads the same; smemu's own guidance (which record, which line, what to do) follows
them. Each entry cites the public source of its words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinWords:
    template: str   # str.format fields: the facts of one failure
    source: str     # where the words are published

    def say(self, guidance: str = "", **facts) -> str:
        """The built-ins' words for ``facts``, then smemu's ``guidance`` (if any)."""
        words = self.template.format(**facts)
        return f"{words} {guidance}" if guidance else words


MISSING_HYPERPARAMETER = BuiltinWords(
    "No value(s) were specified for {names} which are required hyperparameter(s) "
    "(caused by ValidationError)",
    "GitHub aws/sagemaker-python-sdk#132 (FailureReason of a PCA job without mini_batch_size)")
UNKNOWN_HYPERPARAMETER = BuiltinWords(
    "Additional properties are not allowed ({name!r} was unexpected)",
    "AWS developer guide, 'Logs for Built-In Algorithms' (an unknown hyperparameter's log line)")
UNPARSABLE_CSV = BuiltinWords(
    "Unable to parse csv: rows {first}-{last}, file {file}",
    "GitHub aws/amazon-sagemaker-examples#1017 (a linear learner job on a malformed CSV)")
MISSING_VALUES = BuiltinWords(
    "Unable to read data channel {channel!r}. Found missing (NaN) values. Please remove any "
    "missing (NaN) values in the input data.",
    "GitHub aws/sagemaker-xgboost-container, src/sagemaker_algorithm_toolkit/exceptions.py "
    "(copied there from the built-ins' algorithm SDK)")
INFINITE_VALUES = BuiltinWords(
    "Unable to read data channel {channel!r}. Found infinite floating point values. Please "
    "remove any infinite floating point values in the input data.",
    "GitHub aws/sagemaker-xgboost-container, src/sagemaker_algorithm_toolkit/exceptions.py")
NO_ITERATOR = BuiltinWords(
    "No iterator has been registered for ContentType ({media!r}, '1.0')",
    "GitHub aws/sagemaker-python-sdk#819 (content_type='csv' given to a built-in)")
BAD_PAYLOAD = BuiltinWords(
    "unable to evaluate payload provided",
    "GitHub aws/sagemaker-spark#102 (k-means) and aws/amazon-sagemaker-examples#1881 (linear "
    "learner): the 400 body of /invocations")
FEATURE_DIMENSION = BuiltinWords(
    "The feature dimension of the input: {got} does not match the feature dimension of the "
    "model: {want}. Please fix the input and try again.",
    "GitHub aws/sagemaker-python-sdk#345 (linear learner's log, after 'Customer Error: ')")

#: every entry, by name (what the tests walk through)
TABLE = {name: value for name, value in globals().items() if isinstance(value, BuiltinWords)}


def message_of(exc: Exception) -> str:
    """A user's error as the failure file says it: the built-ins' words first where they have
    their own, then smemu's. (The real CSV reader names the block of rows it was parsing, "rows
    1-1000"; smemu names the line that fails as that block.)"""
    from smemu.formats.csv import CsvParseError
    if isinstance(exc, CsvParseError) and exc.line is not None:
        return UNPARSABLE_CSV.say(str(exc), first=exc.line, last=exc.line, file=exc.source)
    return str(exc)
