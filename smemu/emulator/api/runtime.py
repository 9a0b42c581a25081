"""The SageMaker Runtime's InvokeEndpoint, on the same server as the control plane.

botocore's ``sagemaker-runtime`` speaks REST-JSON: ``POST /endpoints/<EndpointName>/invocations``
with the raw body, ``Content-Type``, ``Accept`` and ``X-Amzn-SageMaker-*`` headers; the answer is
the container's body with its ``Content-Type`` and ``x-Amzn-Invoked-Production-Variant``. Errors
are JSON ``{"ErrorCode", "Message", ...}`` with ``x-amzn-ErrorType``: ValidationError (unknown
endpoint, not in service, payload over 6 MB), ModelError (HTTP 424: the container answered 4xx/5xx
or timed out; ``OriginalStatusCode``/``OriginalMessage`` carry its answer), ServiceUnavailable.

``register_runtime(app, service)`` adds the route to the API server's Flask app.
"""

from __future__ import annotations

import json
import uuid

from flask import Flask, Response, request

from smemu.emulator.api.endpoints import EndpointService
from smemu.emulator.api.errors import ValidationException
from smemu.emulator.api.shared import check_name
from smemu.emulator.hosting import InvocationFailure

# request headers passed on to the container, as SageMaker passes them
FORWARDED = ("Content-Type", "Accept", "X-Amzn-SageMaker-Custom-Attributes",
             "X-Amzn-SageMaker-Target-Model", "X-Amzn-SageMaker-Inference-Id")


def register_runtime(app: Flask, service: EndpointService) -> None:
    @app.post("/endpoints/<name>/invocations")
    def invoke_endpoint(name: str) -> Response:
        try:
            try:
                check_name({"EndpointName": name}, "EndpointName")
            except ValidationException as invalid:
                raise InvocationFailure("ValidationError", 400, invalid.message) from None
            headers = {h: request.headers[h] for h in FORWARDED if h in request.headers}
            status, body, answer_headers = service.invoke(name, request.get_data(cache=False),
                                                          headers)
        except InvocationFailure as failure:
            return _error(failure)
        response = Response(body, status=status)
        for header, value in answer_headers.items():
            response.headers[header] = value
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response


def _error(failure: InvocationFailure) -> Response:
    payload = {"ErrorCode": failure.code, "Message": failure.message, **failure.extra}
    response = Response(json.dumps(payload), status=failure.status,
                        content_type="application/json")
    response.headers["x-amzn-ErrorType"] = failure.code
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response
