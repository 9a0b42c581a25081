"""Log lines inside a container, shaped like the built-in algorithms' CloudWatch output.

``[11/25/2026 19:30:02 INFO 140141566281536] message`` for ordinary lines; ``#metrics {...}``
lines bare. Users' MetricDefinitions regexes rely on these shapes.
"""

from __future__ import annotations

import logging
import sys
import time


class SageMakerFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.localtime(record.created))
        return f"[{stamp} {record.levelname} {record.thread}] {record.getMessage()}"


def configure(stream=None) -> None:
    """Send smemu's in-container logging to ``stream`` (stdout) in SageMaker's shapes."""
    stream = stream or sys.stdout
    root = logging.getLogger("smemu")
    root.handlers[:] = []
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SageMakerFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False

    bare = logging.getLogger("smemu.metrics")
    bare.handlers[:] = []
    plain = logging.StreamHandler(stream)
    plain.setFormatter(logging.Formatter("%(message)s"))
    bare.addHandler(plain)
    bare.propagate = False
