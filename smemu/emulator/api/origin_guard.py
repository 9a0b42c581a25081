"""Only this machine's clients, and no web page, may use the API server.

A web page open in a local browser can send requests to ``http://127.0.0.1:8765`` — directly (a
"simple" cross-site POST needs no preflight) or by DNS rebinding, where the page's own host name
is made to resolve to 127.0.0.1 so the browser thinks it is same-origin. Two checks, as local
development servers make them:

* the ``Host`` header must name this server: a loopback name (``localhost``, ``*.localhost``,
  ``127.0.0.1``/any 127.x, ``::1``), an IP address literal (a rebinding page always sends its own
  domain name), or the ``--host`` the server was started with. Any other name is refused.
* a request a browser marks as cross-site (``Sec-Fetch-Site: cross-site`` or ``same-site``, or an
  ``Origin`` whose host fails the check above) is refused. boto3, the AWS CLI and the SageMaker
  Python SDK send neither header.

Refusals are ``403`` in the AWS JSON shape (``AccessDeniedException``).
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
import uuid

from flask import Flask, Response, request

CONTENT_TYPE = "application/x-amz-json-1.1"


def install(app: Flask, bind_host: str) -> None:
    own = bind_host.strip("[]").lower()

    def allowed_host(host: str) -> bool:
        name = _hostname(host)
        if name is None:
            return False
        if name == own or name == "localhost" or name.endswith(".localhost"):
            return True
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            return False

    @app.before_request
    def guard():
        host = request.headers.get("Host", "")
        if not allowed_host(host):
            return _refuse(f"The Host header {host[:100]!r} does not name this server. smemu "
                           f"answers requests for localhost, an IP address or the --host it was "
                           f"started with (a guard against DNS rebinding).")
        site = request.headers.get("Sec-Fetch-Site", "").lower()
        origin = request.headers.get("Origin")
        if site in ("cross-site", "same-site") or (
                origin is not None and not allowed_host(urllib.parse.urlsplit(origin).netloc)):
            return _refuse("Cross-site requests from a web browser are refused: a web page must "
                           "not drive the SageMaker API on this machine.")
        return None


def _hostname(host: str) -> str | None:
    """The name part of a Host header (port and IPv6 brackets removed), lower case."""
    host = host.strip().lower()
    if not host:
        return None
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else None
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".") or None


def _refuse(message: str) -> Response:
    response = Response(json.dumps({"__type": "AccessDeniedException", "message": message}),
                        status=403, content_type=CONTENT_TYPE)
    response.headers["x-amzn-ErrorType"] = "AccessDeniedException"
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response
