"""``smemu tune --job tuning.json``: run a hyperparameter tuning job (a CreateHyperParameterTuningJob
request, as ``aws sagemaker create-hyper-parameter-tuning-job --cli-input-json`` takes it) locally.

One line per training job as it ends (name, status, tuned hyperparameters, objective), then a table
of every training job, best objective first. Relative paths in the request are read against the
job file's directory. A name already taken gets a ``-HHMMSS`` suffix (within the API's 32
characters) unless ``--name`` is given. Exit codes: 0 the tuning job completed, 1 it failed or was
stopped, 2 the request is invalid (every problem listed). Ctrl-C stops it (its running training
jobs are stopped).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from smemu.commands._jobs import add_jobs_root, store_from
from smemu.emulator.backends import backend_names
from smemu.emulator.spec import SpecError
from smemu.emulator.tuning import request as tuning_request
from smemu.emulator.tuning.scheduler import start_tuning
from smemu.emulator.tuning.store import TuningStore


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "tune", help="run a hyperparameter tuning job locally",
        description="Run a SageMaker hyperparameter tuning job (a CreateHyperParameterTuningJob "
                    "request) locally: its training jobs run as `smemu train` runs them.")
    parser.add_argument("--job", metavar="FILE", required=True,
                        help="the CreateHyperParameterTuningJob request, as JSON")
    parser.add_argument("--name", help="the HyperParameterTuningJobName (default: the file's)")
    parser.add_argument("--backend", default="process", choices=backend_names(),
                        help="run the training jobs as local processes (default) or in Docker")
    parser.add_argument("--logs", action="store_true", help="stream the training jobs' log lines")
    add_jobs_root(parser)
    parser.set_defaults(func=run)


def _load(path: str):
    try:
        request = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        return None, f"cannot read the job file {path}: {exc.strerror}."
    except json.JSONDecodeError as exc:
        return None, (f"the job file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                      f"column {exc.colno}.")
    if not isinstance(request, dict):
        return None, f"the job file {path} must hold a JSON object (a CreateHyperParameterTuningJob request)."
    return request, None


def run(args) -> int:
    err = sys.stderr
    request, problem = _load(args.job)
    if problem:
        print(f"smemu tune: {problem}", file=err)
        return 2
    store = store_from(args)
    tunings = TuningStore(store)
    if args.name:
        request["HyperParameterTuningJobName"] = args.name
    elif request.get("HyperParameterTuningJobName") in tunings.names():
        original = request["HyperParameterTuningJobName"]
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%H%M%S")
        request["HyperParameterTuningJobName"] = f"{original[:25].rstrip('-')}-{stamp}"
        print(f"smemu tune: the tuning job name '{original}' is already used; running this one as "
              f"'{request['HyperParameterTuningJobName']}'.", file=err)
    base_dir = str(Path(args.job).resolve().parent)
    try:
        plan = tuning_request.plan(request, base_dir, load_parent=tunings.load)
    except SpecError as exc:
        print(f"smemu tune: {exc}", file=err)
        return 2
    print(f"Tuning job {plan.name}: {plan.strategy} search of {plan.max_jobs} {plan.algorithm} "
          f"training jobs, {plan.max_parallel} at a time, {plan.direction.lower()} "
          f"{plan.objective} - records in {tunings.root / plan.name}", file=err, flush=True)
    on_log = (lambda job, line: print(f"[{job}] {line}", flush=True)) if args.logs else None
    tuning = start_tuning(plan, store=store, backend=args.backend, base_dir=base_dir,
                          on_job_end=_line, on_log=on_log)
    try:
        while tuning.wait(0.2) is None:
            pass
    except KeyboardInterrupt:
        print("smemu tune: stopping the tuning job and its running training jobs", file=err)
        tuning.stop()
        tuning.wait()
    answer = tuning.describe()
    print(table(tunings.training_jobs(tunings.load(plan.name)), plan.direction), flush=True)
    status = answer["HyperParameterTuningJobStatus"]
    best = answer.get("BestTrainingJob")
    if best:
        metric = best["FinalHyperParameterTuningJobObjectiveMetric"]
        print(f"Best training job: {best['TrainingJobName']} ({metric['MetricName']} = "
              f"{metric['Value']:.6g}) {_params(best['TunedHyperParameters'])}", file=err)
    print(f"Tuning job {plan.name} {status.lower()}"
          + (f": {answer['FailureReason']}" if answer.get("FailureReason") else "."), file=err)
    return 0 if status == "Completed" else 1


def _params(tuned: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in tuned.items())


def _line(event: dict) -> None:
    value = event["ObjectiveValue"]
    shown = "-" if value is None else f"{value:.6g}"
    status = event["TrainingJobStatus"] + (" (stopped early)" if event["StoppedEarly"] else "")
    print(f"{event['TrainingJobName']}  {status}  {_params(event['TunedHyperParameters'])}  "
          f"objective={shown}", flush=True)


def table(jobs: list[dict], direction: str) -> str:
    """Every training job, best objective first (jobs without one last)."""
    def key(job):
        metric = job.get("FinalHyperParameterTuningJobObjectiveMetric")
        if metric is None:
            return (1, 0.0)
        return (0, metric["Value"] if direction == "Minimize" else -metric["Value"])

    rows = [("training job", "status", "objective", "hyperparameters")]
    for job in sorted(jobs, key=key):
        metric = job.get("FinalHyperParameterTuningJobObjectiveMetric")
        rows.append((job["TrainingJobName"], job["TrainingJobStatus"],
                     "-" if metric is None else f"{metric['Value']:.6g}",
                     _params(job["TunedHyperParameters"])))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}"
                     for r in rows)
