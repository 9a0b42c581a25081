"""The console's server time: the jobs page over 1,000 training jobs (goal: under 300 ms), and
the live log tail's cost per poll while a job writes 10,000 lines a second (goal: a poll of one
second's lines takes well under a second, and returns at most LOG_TAIL_LINES lines).

The jobs page is requested through the Flask app (what waitress calls), so the time is the
server's: reading every job.json, filtering, sorting and rendering. "First load" is a console
that has parsed no record yet; "later loads" reuse the records of finished jobs whose job.json
did not change (what the page's live refresh and a reload do). The reference measured in the
same run is ``JobStore.records()`` alone -- reading the same records, which any listing (the
ListTrainingJobs API, ``smemu list``) must do -- so the ratio is what the page adds to it.

    .venv/bin/python benchmarks/bench_console.py --quick    # 1,000 jobs, 3 repeats
    .venv/bin/python benchmarks/bench_console.py            # 1,000 and 5,000 jobs, 7 repeats
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from smemu.emulator.console import data
from smemu.emulator.console.routes import console_app
from smemu.emulator.store import JobStore, transition

GOAL_MS = 300.0
TAIL_LINES_PER_SECOND = 10_000


def make_jobs(root: Path, count: int) -> JobStore:
    store = JobStore(root)
    start = time.time() - count
    for i in range(count):
        record = {
            "TrainingJobName": f"job-{i:05d}", "TrainingJobArn": f"arn:job-{i:05d}",
            "CreationTime": start + i, "HyperParameters": {"k": "5", "feature_dim": "7"},
            "AlgorithmSpecification": {
                "TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1",
                "TrainingInputMode": "File"},
            "FinalMetricDataList": [{"MetricName": "train:msd", "Value": 7.1 + i % 10,
                                     "Timestamp": start + i}]}
        for secondary in ("Starting", "Downloading", "Training", "Uploading"):
            transition(record, "InProgress", secondary, now=start + i)
        transition(record, "Completed", "Completed", now=start + i + 1,
                   TrainingStartTime=start + i, TrainingEndTime=start + i + 1)
        store.create(record)
    return store


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def bench_jobs_page(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = make_jobs(Path(tmp), count)
        client = console_app(store).test_client()

        def page():
            answer = client.get("/console/", headers={"Host": "127.0.0.1"})
            assert answer.status_code == 200 and answer.data.count(b"<tr data-name") == count

        page()   # templates compiled once, as on a running server

        def first_page():   # a console that has parsed no record yet
            nonlocal client
            client = console_app(store).test_client()
            page()

        first_ms = median_ms(first_page, repeat)
        page_ms = median_ms(page, repeat)
        records_ms = median_ms(store.records, repeat)
        print(f"jobs page, {count:,} jobs: first load {first_ms:.0f} ms, later loads {page_ms:.0f} "
              f"ms server time (goal < {GOAL_MS:.0f} ms: "
              f"{'met' if max(first_ms, page_ms) < GOAL_MS else 'NOT met'}); JobStore.records() "
              f"alone {records_ms:.0f} ms; first page / records = {first_ms / records_ms:.2f}, "
              f"later page / records = {page_ms / records_ms:.2f}")


def bench_log_tail(seconds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = JobStore(tmp)
        store.create({"TrainingJobName": "tail", "CreationTime": time.time()})
        console = data.Console(store)
        offset, polls, returned = console.log_since("tail", 0)[1], [], 0
        line = "[12/01/2026 00:00:00 INFO 1] #quality_metric: host=algo-1, epoch=1, train loss <loss>=0.5\n"
        for second in range(seconds):   # one second's lines, then one poll, as the page does
            with open(store.log_path("tail"), "a") as log:
                log.write(line * TAIL_LINES_PER_SECOND)
            began = time.perf_counter()
            lines, offset, _cut = console.log_since("tail", offset)
            polls.append((time.perf_counter() - began) * 1000)
            returned = max(returned, len(lines))
        poll = statistics.median(polls)
        print(f"log tail at {TAIL_LINES_PER_SECOND:,} lines/s: a poll of one second's lines takes "
              f"{poll:.1f} ms ({1000 / poll:.0f}x faster than the lines come); at most {returned:,} "
              f"lines per poll (page keeps {data.LOG_TAIL_LINES:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 jobs, 3 repeats")
    args = parser.parse_args()
    sizes, repeat = ((1000,), 3) if args.quick else ((1000, 5000), 7)
    for count in sizes:
        bench_jobs_page(count, repeat)
    bench_log_tail(3 if args.quick else 10)


if __name__ == "__main__":
    main()
