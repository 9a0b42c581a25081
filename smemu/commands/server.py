"""``smemu server``: the SageMaker API endpoint that boto3, the AWS CLI and the SageMaker Python
SDK talk to."""

from __future__ import annotations

import logging

from smemu.commands._jobs import add_jobs_root, add_listen_options

DEFAULT_PORT = 8765


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "server", help="serve the SageMaker training job API (CreateTrainingJob, ...) locally",
        description="Serve SageMaker's CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs "
                    "and StopTrainingJob on a local endpoint. Point boto3, the AWS CLI or the "
                    "SageMaker Python SDK at it with endpoint_url / --endpoint-url. s3:// data "
                    "is read and written with the standard AWS configuration (credentials, region, "
                    "AWS_ENDPOINT_URL_S3 for MinIO or another S3-compatible store).")
    add_listen_options(parser, DEFAULT_PORT)
    add_jobs_root(parser)
    parser.add_argument("--backend", choices=("process", "docker"), default="process",
                        help="run jobs as local processes (default) or in Docker containers")
    parser.add_argument("--no-file-uris", action="store_true",
                        help="refuse file:// URIs in requests, so clients can reach no path on this "
                             "machine (for a shared server)")
    parser.add_argument("--threads", type=int, default=8, help="request threads (default 8)")
    parser.add_argument("--verbose", action="store_true", help="log every job's output lines")
    parser.set_defaults(func=run)


def run(args) -> int:
    from smemu.emulator.api.server import serve

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return serve(host=args.host, port=args.port, jobs_root=args.jobs_root, backend=args.backend,
                 allow_file_uris=not args.no_file_uris, threads=args.threads)
