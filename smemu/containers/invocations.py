"""The serving container's web application: ``GET /ping`` and ``POST /invocations``.

A plain WSGI application (waitress serves it, see ``smemu.containers.serve``). What it answers
follows the built-in containers ("Common data formats for inference" and "Use Your Own Inference
Code with Hosting Services" in the SageMaker developer guide; the 400 body as reported in
aws/sagemaker-spark#102 and aws/amazon-sagemaker-examples#1881):

* ``/ping``: 200 with an empty body (the app exists only once the model is loaded);
* ``/invocations``: the request decoded (``request_decoding``), the model's ``predict``, the
  outputs encoded for the Accept type (``response_encoding``; JSON when Accept is absent or
  ``*/*``);
* a payload that cannot be evaluated: 400 with exactly the built-ins' body ``unable to evaluate
  payload provided``; what is wrong and where goes to the serving log (``Customer Error: ...``),
  as in the real containers;
* a content type it does not read: 415; an Accept type it cannot write: 406; a body over the
  payload limit (6 MB, or ``SAGEMAKER_MAX_PAYLOAD_IN_MB``): 413.
"""

from __future__ import annotations

import logging

from smemu.algorithms import builtin_errors
from smemu.algorithms.errors import CustomerError
from smemu.containers.media_types import (
    CSV, JSON, InvocationError, MediaType, accept_params, choose_accept)
from smemu.containers.request_decoding import decode_request
from smemu.containers.response_encoding import RESPONSE_TYPES, encode_response

log = logging.getLogger("smemu.serving")

BAD_PAYLOAD = builtin_errors.BAD_PAYLOAD.say()
MEGABYTE = 1024 * 1024
DEFAULT_MAX_PAYLOAD = 6 * MEGABYTE

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            406: "Not Acceptable", 411: "Length Required", 413: "Payload Too Large",
            415: "Unsupported Media Type", 500: "Internal Server Error"}


class InvocationsApp:
    """WSGI application serving one loaded ``Predictor``."""

    def __init__(self, predictor, algorithm: str, max_payload: int = DEFAULT_MAX_PAYLOAD,
                 default_accept: str = JSON, batch: bool = False):
        self.predictor = predictor
        self.batch = batch           # SAGEMAKER_BATCH: the container serves a batch transform
        self.algorithm = algorithm
        self.max_payload = max_payload
        self.default_accept = default_accept

    # WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/ping":
            if method not in ("GET", "HEAD"):
                return self._reply(start_response, 405, b"", allow="GET")
            return self._reply(start_response, 200, b"")
        if path == "/invocations":
            if method != "POST":
                return self._reply(start_response, 405, b"", allow="POST")
            return self._invocations(environ, start_response)
        return self._reply(start_response, 404, f"There is nothing at {path}: POST requests to "
                                                f"/invocations, GET /ping.".encode())

    # /invocations ----------------------------------------------------------------------------
    def _invocations(self, environ, start_response):
        try:
            body = self._read_body(environ)
            if not body and self.predictor.empty_request_status:
                return self._reply(start_response, self.predictor.empty_request_status, b"")
            accept = self._accept(environ.get("HTTP_ACCEPT"))
            features = self._decoded(body, environ.get("CONTENT_TYPE"))
            outputs = self._answered(self.predictor.predict(features),
                                     accept_params(environ.get("HTTP_ACCEPT"), accept))
            payload = self.predictor.encode(outputs, accept, self.batch)
            if payload is None:
                payload = encode_response(outputs, accept, self.predictor.response_root)
        except InvocationError as exc:
            return self._refuse(start_response, exc.status, str(exc))
        except CustomerError as exc:
            return self._refuse(start_response, 400, str(exc))
        except Exception:  # a fault of smemu's, not of the request
            log.exception("Internal error while serving a request")
            return self._reply(start_response, 500, b"internal server error; see the log")
        return self._reply(start_response, 200, payload, content_type=accept)

    def _decoded(self, body: bytes, content_type: str | None):
        """What ``predict`` takes for the request: the predictor's own decoding when it has one
        for the content type, else a feature matrix of the model's width."""
        if content_type and body.strip():
            media = MediaType.parse(content_type).essence
            if media in (self.predictor.request_types or ()):
                own = self.predictor.decode(body, media)
                if own is not None:
                    return own
        try:
            batch = decode_request(body, content_type, self.predictor.request_types,
                                   self.predictor.request_fields)
        except InvocationError as exc:
            if exc.status == 400 and self.predictor.undecodable_status:
                raise InvocationError(self.predictor.undecodable_status, str(exc)) from None
            raise
        self.predictor.check_width(int(batch.features.shape[1]), batch.location(0))
        return batch.features

    def _read_body(self, environ) -> bytes:
        length = environ.get("CONTENT_LENGTH") or ""
        stream = environ["wsgi.input"]
        if length.strip():
            try:
                size = int(length)
            except ValueError:
                raise InvocationError(400, f"The Content-Length {length!r} is not a number.") \
                    from None
            self._check_size(size)
            return stream.read(size) if size else b""
        body = stream.read(self.max_payload + 1)   # chunked: read at most one byte too many
        self._check_size(len(body))
        return body

    def _check_size(self, size: int) -> None:
        if size > self.max_payload:
            raise InvocationError(
                413, f"The request body is {size} bytes, over the {self.max_payload // MEGABYTE} "
                     f"MB an endpoint accepts. Send fewer records per request.")

    def _accept(self, header: str | None) -> str:
        offered = self.predictor.response_types or RESPONSE_TYPES
        default = self.default_accept if self.default_accept in offered else offered[0]
        accept = choose_accept(header, offered, default)
        if accept == CSV and not self.predictor.csv_output:
            # the real linear learner has no CSV output and answers JSON instead; batch transform
            # then fails with "Failed to parse output from the algorithm as CSV"
            log.warning("%s does not write text/csv responses; answering %s instead",
                        self.algorithm, JSON)
            return JSON
        return accept

    def _answered(self, outputs: dict, params: dict) -> dict:
        """The outputs the answer holds: the model's ``verbose_outputs`` only when the Accept type
        says ``verbose=true`` (k-NN's distances and labels of the neighbours)."""
        if params.get("verbose", "").lower() == "true":
            return outputs
        return {name: values for name, values in outputs.items()
                if name not in self.predictor.verbose_outputs}

    # replies ---------------------------------------------------------------------------------
    def _refuse(self, start_response, status: int, message: str):
        log.error("Customer Error: %s", message)
        bare = status == 400 and not self.predictor.detail_in_bad_request
        text = BAD_PAYLOAD if bare else message
        return self._reply(start_response, status, text.encode())

    @staticmethod
    def _reply(start_response, status: int, body: bytes, content_type: str = "text/plain",
               **headers):
        response_headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        response_headers += [(name.replace("_", "-").title(), value)
                             for name, value in headers.items()]
        start_response(f"{status} {_REASONS.get(status, '')}".rstrip(), response_headers)
        return [body]
