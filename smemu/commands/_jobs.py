"""What the job subcommands share: the jobs root option and time formatting."""

from __future__ import annotations

import datetime as dt
import sys

from smemu.emulator.store import JobNotFound, JobStore

TIME_KEYS = ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime",
             "StartTime", "EndTime", "Timestamp", "HyperParameterTuningEndTime")


def add_jobs_root(parser) -> None:
    parser.add_argument("--jobs-root", metavar="DIR",
                        help="where job records live (default: $SMEMU_HOME/jobs or ~/.smemu/jobs)")


def add_listen_options(parser, default_port: int) -> None:
    """``--host`` (loopback by default) and ``--port`` of the commands that serve HTTP."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; "
                             "anything else exposes the server to the network)")
    parser.add_argument("--port", type=int, default=default_port,
                        help=f"port to listen on (default {default_port}; 0 picks a free one)")


def store_from(args) -> JobStore:
    return JobStore(args.jobs_root) if getattr(args, "jobs_root", None) else JobStore()


def load_record(store: JobStore, name: str) -> dict | None:
    """The job's record, or None after telling the user (on stderr) that there is no such job."""
    try:
        return store.load(name)
    except JobNotFound as exc:
        print(f"smemu: {exc} `smemu list` shows the jobs in {store.root}.", file=sys.stderr)
        return None


def iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat(timespec="milliseconds")


def readable(value):
    """The record with epoch-second times shown as ISO 8601, as the AWS CLI shows them."""
    if isinstance(value, dict):
        return {k: iso(v) if k in TIME_KEYS and isinstance(v, (int, float)) else readable(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [readable(v) for v in value]
    return value
