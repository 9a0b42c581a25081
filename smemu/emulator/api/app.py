"""The Flask application speaking SageMaker's wire protocol: AWS JSON 1.1.

botocore sends every operation as ``POST /`` with ``X-Amz-Target: SageMaker.<Operation>`` (for
CloudWatch Logs, ``Logs_20140328.<Operation>``) and a JSON body; answers are JSON, errors are ``{"__type": <code>, "message": <text>}`` with a 4xx/5xx
status. Request signatures are accepted as they come: smemu is a local tool, and the credentials
are the ones the client uses for the (local or real) S3 store.
"""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from typing import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from smemu.emulator.api.errors import (ApiError, InternalFailure, RequestTooLarge,
                                       SerializationException, UnknownOperation)

MAX_REQUEST_BYTES = 10 * 1024 * 1024
# what the HTTP server itself reads of a body before it gives up with a plain-text 413 (and, with
# a Content-Length, a reset connection); up to it, bodies over MAX_REQUEST_BYTES get the AWS 413
WIRE_LIMIT_BYTES = 8 * MAX_REQUEST_BYTES
CONTENT_TYPE = "application/x-amz-json-1.1"

log = logging.getLogger("smemu.api")

Operation = Callable[[dict], dict]


def create_app(operations: dict[str, Operation]) -> Flask:
    """A WSGI app dispatching each request to ``operations[<X-Amz-Target>](body)``; targets are
    ``<service prefix>.<Operation>``, e.g. ``SageMaker.CreateTrainingJob``."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES

    def answer(payload: dict, status: int = 200, error_code: str | None = None) -> Response:
        response = Response(json.dumps(payload, default=_json_default), status=status,
                            content_type=CONTENT_TYPE)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        if error_code:
            response.headers["x-amzn-ErrorType"] = error_code
        return response

    @app.post("/")
    def dispatch() -> Response:
        target = request.headers.get("X-Amz-Target", "")
        if target not in operations:
            raise UnknownOperation(f"Unknown operation {target!r}: this endpoint serves "
                                   f"{', '.join(sorted(operations))}.")
        body = _json_body(request.get_data(cache=False))
        return answer(operations[target](body) or {})

    @app.post("/service/<service>/operation/<operation>")
    def dispatch_cbor(service: str, operation: str) -> Response:
        """The Smithy RPC v2 CBOR protocol (botocore's choice for CloudWatch): the same
        operations, CBOR bodies in and out."""
        import cbor2

        def cbor_answer(payload: dict, status: int = 200) -> Response:
            response = Response(cbor2.dumps(payload, datetime_as_timestamp=True,
                                            timezone=datetime.timezone.utc),
                                status=status, content_type="application/cbor")
            response.headers["smithy-protocol"] = "rpc-v2-cbor"
            response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
            return response

        target = f"{service}.{operation}"
        try:
            if target not in operations:
                raise UnknownOperation(f"Unknown operation {target!r}.")
            raw = request.get_data(cache=False)
            try:
                body = cbor2.loads(raw) if raw else {}
            except Exception as error:
                raise SerializationException(f"The request body is not valid CBOR: {error}") \
                    from None
            if not isinstance(body, dict):
                raise SerializationException("The request body must be a CBOR map.")
            return cbor_answer(operations[target](body) or {})
        except ApiError as error:
            return cbor_answer(error.body(), error.status)

    @app.get("/")
    def hello() -> Response:
        return Response("smemu SageMaker API endpoint: POST / with X-Amz-Target: SageMaker.<Operation>\n",
                        content_type="text/plain")

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return answer(error.body(), error.status, error.code)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error) -> Response:
        error = RequestTooLarge(f"The request body is larger than the "
                                f"{MAX_REQUEST_BYTES // (1024 * 1024)} MB this endpoint accepts.")
        return answer(error.body(), error.status, error.code)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return answer({"__type": "InvalidAction", "message": error.description}, error.code or 400,
                      "InvalidAction")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("internal error while answering %s", request.headers.get("X-Amz-Target"))
        failure = InternalFailure(f"smemu could not handle the request: {type(error).__name__}: {error}")
        return answer(failure.body(), failure.status, failure.code)

    return app


def _json_body(raw: bytes) -> dict:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SerializationException(f"The request body is not valid JSON: {error}") from None
    except RecursionError:
        raise SerializationException("The request body nests JSON too deeply to read; no "
                                     "SageMaker request nests more than a few levels.") from None
    if not isinstance(body, dict):
        raise SerializationException("The request body must be a JSON object.")
    return body


def _json_default(value):
    """Timestamps go out as epoch seconds, which botocore parses back into datetimes."""
    if hasattr(value, "timestamp"):
        return value.timestamp()
    raise TypeError(f"cannot serialise {type(value).__name__}")
