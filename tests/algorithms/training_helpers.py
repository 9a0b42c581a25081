"""Training any registered algorithm in tests (on in-memory channels, its log lines captured),
and posting a request to a served model's WSGI app."""

from __future__ import annotations

import io

from channels import channels
from linear_learner_helpers import LogLines
from smemu.algorithms import get_algorithm
from smemu.algorithms.reporting import Reporter


def train_algorithm(name: str, hyperparameters: dict, **data):
    """Train ``name`` on ``data`` (``train=(X, y)``, ``test=...``); returns ``(artifact, log)``."""
    algo = get_algorithm(name)
    config = algo.schema.resolve(hyperparameters)
    with LogLines() as log:
        artifact = algo.train(config, channels(**data), Reporter(algo.metrics_name))
    return artifact, log


def invoke(app, body: bytes, content_type: str, accept: str = "application/json"):
    """``(status code, body)`` of POST /invocations on the WSGI ``app``."""
    status = {}

    def start_response(line, headers):
        status["code"] = int(line.split()[0])

    environ = {"PATH_INFO": "/invocations", "REQUEST_METHOD": "POST",
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
               "HTTP_ACCEPT": accept, "wsgi.input": io.BytesIO(body)}
    answer = b"".join(app(environ, start_response))
    return status["code"], answer
