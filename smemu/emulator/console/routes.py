"""The console's routes, under ``/console/`` of the API server's Flask app (``GET /`` from a
browser is sent there), or of an app of their own (``smemu console``).

Safety:

* The API server's Host and cross-site rules (:mod:`smemu.emulator.api.origin_guard`) apply to
  every route, so a web page the user visits cannot reach the console through DNS rebinding nor
  post the try-it form from another site.
* Read-only except the try-it form.
* Every page is rendered with autoescaping (:mod:`smemu.emulator.console.pages`).
"""

from __future__ import annotations

import re
import time

from flask import Blueprint, Flask, Response, jsonify, redirect, request, send_file

from smemu.emulator.api import origin_guard
from smemu.emulator.console import model_view, pages
from smemu.emulator.console.data import Console
from smemu.emulator.hosting import InvocationFailure
from smemu.emulator.store import JobNotFound, JobStore
from smemu.emulator.tuning.store import TuningJobNotFound

PREFIX = "/console"
NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")   # SageMaker's job and endpoint names
HTML = "text/html; charset=utf-8"
def console_blueprint(store: JobStore, endpoints=None, listen_host: str = "127.0.0.1") -> Blueprint:
    """The console over ``store``; ``endpoints`` (an EndpointService) enables the try-it form."""
    console = Console(store)
    bp = Blueprint("console", __name__, url_prefix=PREFIX)

    def html(text: str, status: int = 200) -> Response:
        response = Response(text, status=status, content_type=HTML)
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @bp.before_request
    def check_name():
        # the Host and cross-site rules are the API server's (origin_guard), on the whole app
        name = (request.view_args or {}).get("name")
        if name is not None and not NAME.fullmatch(name):
            return Response(f"smemu console: {name!r} is not a SageMaker resource name.\n",
                            status=404, content_type="text/plain")
        return None

    @bp.get("/")
    def jobs():
        return html(pages.jobs_page(console, request.args.get("q", ""),
                                    request.args.get("status", ""), prefix=PREFIX))

    @bp.get("/jobs.json")
    def jobs_json():
        rows = console.jobs(request.args.get("q", ""), request.args.get("status", ""))
        return jsonify([{k: r[k] for k in ("kind", "name", "status", "duration")} for r in rows])

    @bp.get("/jobs/<name>")
    def job(name: str):
        try:
            return html(pages.job_page(console, name, prefix=PREFIX))
        except JobNotFound as missing:
            return html(pages.error_page("No such training job", str(missing), PREFIX), 404)

    @bp.get("/jobs/<name>/log.json")
    def log(name: str):
        try:
            record = console.training_job(name)
        except JobNotFound as missing:
            return jsonify({"message": str(missing)}), 404
        try:
            offset = int(request.args.get("offset", "-1"))
        except ValueError:
            offset = -1
        lines, offset, cut = console.log_since(name, offset)
        status = record.get("TrainingJobStatus", "")
        return jsonify({"lines": lines, "offset": offset, "cut": cut, "status": status,
                        "running": status in ("InProgress", "Stopping")})

    @bp.get("/jobs/<name>/model.tar.gz")
    def artifact(name: str):
        try:
            path = model_view.artifact_path(console.training_job(name))
        except JobNotFound:
            path = None
        if path is None:
            return html(pages.error_page("No model artifact",
                                         f"Training job {name} has no model artifact on this "
                                         f"machine.", PREFIX), 404)
        return send_file(path, mimetype="application/gzip", as_attachment=True,
                         download_name=f"{name}-model.tar.gz")

    @bp.get("/tuning/<name>")
    def tuning(name: str):
        try:
            return html(pages.tuning_page(console, name, prefix=PREFIX))
        except TuningJobNotFound:
            return html(pages.error_page("No such tuning job",
                                         f"Could not find tuning job '{name}'.", PREFIX), 404)

    @bp.get("/endpoints")
    def endpoint_list():
        return html(pages.endpoints_page(console, PREFIX, can_invoke=endpoints is not None))

    @bp.post("/endpoints/<name>/invocations")
    def try_it(name: str):
        """The try-it form: the body goes to the endpoint through the server's runtime path
        (what InvokeEndpoint does); the page shows the answer and the latency."""
        if endpoints is None:
            return html(pages.error_page("Read-only console", "This console was started without "
                                         "the API server; start `smemu server` to invoke "
                                         "endpoints.", PREFIX), 403)
        body = request.form.get("body", "")
        content_type = request.form.get("content_type") or "text/csv"
        accept = request.form.get("accept") or "application/json"
        started = time.perf_counter()
        try:
            status, answer, headers = endpoints.invoke(
                name, body.encode("utf-8"), {"Content-Type": content_type, "Accept": accept})
            response_type = headers.get("Content-Type", "")
        except InvocationFailure as failure:
            status, answer, response_type = failure.status, \
                f"{failure.code}: {failure.message}".encode(), "text/plain"
        latency = (time.perf_counter() - started) * 1000
        result = {"endpoint": name, "status": status, "latency_ms": latency,
                  "content_type": content_type, "response_type": response_type,
                  "text": answer.decode("utf-8", errors="replace")}
        return html(pages.endpoints_page(console, PREFIX, can_invoke=True, result=result,
                                         body=body))

    return bp


def register_console(app: Flask, store: JobStore, endpoints=None,
                     listen_host: str = "127.0.0.1") -> None:
    """Adds the console to ``app``; a browser's ``GET /`` (Accept: text/html) is redirected to
    it, other clients get the app's own answer."""
    app.register_blueprint(console_blueprint(store, endpoints, listen_host))
    plain = app.view_functions.get("hello")

    def root():
        if plain is None or request.accept_mimetypes.accept_html:
            return redirect(f"{PREFIX}/")
        return plain()

    if plain is None:
        app.add_url_rule("/", "hello", root)
    else:
        app.view_functions["hello"] = root


def console_app(store: JobStore, listen_host: str = "127.0.0.1") -> Flask:
    """The read-only console on its own (``smemu console``)."""
    app = Flask(__name__)
    origin_guard.install(app, listen_host)
    register_console(app, store, None, listen_host)
    return app
