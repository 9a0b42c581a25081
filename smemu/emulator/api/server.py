"""Serving the API with waitress, a production WSGI server, and winding down cleanly."""

from __future__ import annotations

import logging
import signal
import sys

import waitress

from smemu.emulator import supervision
from smemu.emulator.api import origin_guard
from smemu.emulator.api.app import WIRE_LIMIT_BYTES, create_app
from smemu.emulator.api.client_support import empty_operations, with_describe_defaults
from smemu.emulator.api.cloudwatch_metrics import TARGET_PREFIX as METRICS_PREFIX
from smemu.emulator.api.cloudwatch_metrics import TrainingJobMetrics
from smemu.emulator.api.endpoints import EndpointService
from smemu.emulator.api.logs import TARGET_PREFIX as LOGS_PREFIX
from smemu.emulator.api.logs import JobLogs
from smemu.emulator.api.request_checks import validated_operations
from smemu.emulator.api.runtime import register_runtime
from smemu.emulator.api.tags import TagService
from smemu.emulator.api.transform_jobs import TransformJobService
from smemu.emulator.api.training_jobs import TrainingJobService
from smemu.emulator.console.routes import register_console
from smemu.emulator.api.tuning_jobs import TuningJobService
from smemu.emulator.store import JobStore

log = logging.getLogger("smemu.api")
# keep-alive clients (every boto3 client keeps its connections) must not fill waitress' default
# 100 slots and make the next client wait for a 120 s idle timeout
CONNECTIONS = {"connection_limit": 1000, "channel_timeout": 30, "asyncore_use_poll": True}


def serve(host: str = "127.0.0.1", port: int = 8765, jobs_root=None, backend: str = "process",
          allow_file_uris: bool = True, threads: int = 8, out=sys.stdout) -> int:
    store = JobStore(jobs_root) if jobs_root else JobStore()
    store.make_private()
    for what in supervision.reap_orphans():
        print(f"smemu: ended the {what} a stopped smemu process left running.", file=out,
              flush=True)
    service = TrainingJobService(store, backend=backend, allow_file_uris=allow_file_uris)
    for name in service.recover():
        print(f"smemu: training job {name} was running when its process stopped; it is now "
              f"Failed.", file=out, flush=True)
    endpoints = EndpointService(store.root, backend=backend, allow_file_uris=allow_file_uris)
    for name in endpoints.recover():
        print(f"smemu: endpoint {name} was in service when its server stopped; starting it "
              f"again.", file=out, flush=True)
    transforms = TransformJobService(store.root, allow_file_uris=allow_file_uris)
    tags = TagService(store.root)
    tuning = TuningJobService(store, backend=backend, allow_file_uris=allow_file_uris,
                              tags=tags.tags)
    sagemaker = validated_operations({
        **empty_operations(), **service.operations(), **endpoints.operations(),
        **transforms.operations(), **tuning.operations(), **tags.operations()})
    sagemaker = with_describe_defaults(tags.recording_create_tags(targets("SageMaker", sagemaker)))
    app = create_app({**sagemaker,
                      **targets(LOGS_PREFIX, JobLogs(store).operations()),
                      **targets(METRICS_PREFIX, TrainingJobMetrics(store).operations())})
    register_runtime(app, endpoints)
    origin_guard.install(app, host)
    register_console(app, store, endpoints, listen_host=host)
    # waitress reads a body whole before the app runs, so Flask answers a body over
    # MAX_REQUEST_BYTES with the AWS JSON 413 (chunked or not); waitress' own limit is a backstop
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    max_request_body_size=WIRE_LIMIT_BYTES,
                                    ident="smemu", **CONNECTIONS)
    address = f"http://{_url_host(host)}:{server.effective_port}"
    print(f"smemu SageMaker API endpoint listening on {address} (jobs root {store.root}, "
          f"backend {backend}{'' if allow_file_uris else ', no file:// URIs'})", file=out, flush=True)
    print(f"The console: {address}/console/ in a browser.", file=out, flush=True)
    print(f"Point clients at it with --endpoint-url {address} (AWS CLI) or "
          f"boto3.client('sagemaker', endpoint_url='{address}').", file=out, flush=True)

    def stop(signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        print("smemu: shutting down; stopping the jobs this server runs.", file=out, flush=True)
        server.close()
        endpoints.shutdown()
        transforms.shutdown()
        tuning.shutdown()
        service.shutdown()
    return 0


def targets(prefix: str, operations: dict) -> dict:
    """``{"Op": handler}`` -> ``{"<prefix>.Op": handler}``: the X-Amz-Target each is called by."""
    return {f"{prefix}.{name}": handler for name, handler in operations.items()}


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
