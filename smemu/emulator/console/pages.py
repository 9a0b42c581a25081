"""The console's pages as HTML strings, rendered by Jinja2 with autoescaping: every job name, log
line, hyperparameter and failure reason is escaped; only the SVG charts (built by
:mod:`smemu.emulator.console.svg`, which escapes its own texts) are inserted as markup.

The same functions serve the live console and ``smemu report`` (``standalone=True``: no script,
no links back to a server)."""

from __future__ import annotations

import datetime as dt

import jinja2

from smemu.emulator.console import data, model_view, svg
from smemu.formats import FormatError

ENV = jinja2.Environment(loader=jinja2.PackageLoader("smemu.emulator.console", "templates"),
                         autoescape=True, undefined=jinja2.ChainableUndefined)
STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
CONTENT_TYPES = ("text/csv", "application/json", "application/jsonlines",
                 "application/x-recordio-protobuf")
ACCEPTS = ("application/json", "text/csv", "application/jsonlines")


def render(template: str, **values) -> str:
    values.setdefault("prefix", "")
    values.setdefault("standalone", False)
    return ENV.get_template(template).render(**values)


def jobs_page(console: data.Console, query: str = "", status: str = "", prefix: str = "") -> str:
    return render("jobs.html", rows=console.jobs(query, status), query=query, status=status,
                  statuses=STATUSES, prefix=prefix)


def _transitions(record: dict) -> list[dict]:
    out = []
    for t in record.get("SecondaryStatusTransitions") or []:
        took = data.duration(t.get("StartTime"), t["EndTime"]) if t.get("EndTime") else ""
        out.append({**t, "start": data.when(t.get("StartTime")), "took": took})
    return out


def job_page(console: data.Console, name: str, prefix: str = "", standalone: bool = False) -> str:
    """The page of training job ``name`` (JobNotFound when there is none)."""
    record = console.training_job(name)
    charts, _single = console.metric_series(name)
    chart_items = [{"svg": svg.line_chart(metric, series, "epoch", metric),
                    "caption": f"{metric} per epoch: " + ", ".join(
                        f"{channel} (last {values[-1]:.6g})" for channel, values in series.items())}
                   for metric, series in charts.items()]
    artifact, arrays, pictures, artifact_error = model_view.artifact_path(record), [], [], None
    if artifact:
        try:
            loaded = model_view.read_arrays(artifact)
            arrays = model_view.summary(loaded)
            pictures = model_view.pictures(record, loaded)
        except (FormatError, OSError, ValueError, KeyError) as error:
            artifact_error = f"The model artifact {artifact} could not be read: {error}"
    reason = record.get("FailureReason") or ""
    place = data.failure_location(reason)
    before, _, after = reason.partition(place) if place else (reason, "", "")
    lines, log_offset, cut = console.log_since(name)
    running = record.get("TrainingJobStatus") in ("InProgress", "Stopping")
    return render(
        "job.html", job=record, prefix=prefix, standalone=standalone,
        algorithm=data.algorithm(record), created=data.when(record.get("CreationTime")),
        duration=data.duration(record.get("TrainingStartTime"), record.get("TrainingEndTime")),
        failure_before=before, failure_at=place, failure_after=after,
        transitions=_transitions(record), charts=chart_items,
        final_metrics=record.get("FinalMetricDataList") or [], pictures=pictures,
        hyperparameters=sorted((record.get("HyperParameters") or {}).items()),
        channels=[model_view.channel_facts(c) for c in record.get("InputDataConfig") or []],
        input_mode=(record.get("AlgorithmSpecification") or {}).get("TrainingInputMode", ""),
        artifact=artifact, arrays=arrays, artifact_error=artifact_error,
        log_lines=lines, log_cut=cut, log_offset=log_offset,
        tail_lines=data.LOG_TAIL_LINES, running=running,
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def tuning_page(console: data.Console, name: str, prefix: str = "") -> str:
    described, jobs = console.tuning_job(name)
    objective = described["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    values = [j["objective"] for j in jobs if j["objective"] is not None]
    chart = svg.line_chart(f"{objective['MetricName']} per training job",
                           {objective["MetricName"]: values}, "training job (launch order)",
                           objective["MetricName"]) if values else None
    return render("tuning.html", tuning=described, objective=objective, jobs=jobs, chart=chart,
                  best=described.get("BestTrainingJob"), prefix=prefix)


def endpoints_page(console: data.Console, prefix: str = "", can_invoke: bool = False,
                   result: dict | None = None, body: str = "") -> str:
    return render("endpoints.html", endpoints=console.endpoints(), prefix=prefix,
                  can_invoke=can_invoke, result=result, body=body,
                  content_types=CONTENT_TYPES, accepts=ACCEPTS)


def error_page(heading: str, message: str, prefix: str = "") -> str:
    return render("error.html", heading=heading, message=message, prefix=prefix)
