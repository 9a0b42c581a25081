"""``smemu list``: the training jobs this machine has run, newest first."""

from __future__ import annotations

import json

from smemu.commands._jobs import add_jobs_root, iso, readable, store_from

STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "list", help="list training jobs, newest first",
        description="List training jobs (ListTrainingJobs), newest first.")
    parser.add_argument("--status-equals", choices=STATUSES, help="only jobs with this status")
    parser.add_argument("--name-contains", metavar="TEXT", help="only jobs whose name contains TEXT")
    parser.add_argument("--max-results", type=int, metavar="N", help="at most N jobs")
    parser.add_argument("--json", action="store_true",
                        help="print the ListTrainingJobs response shape as JSON")
    add_jobs_root(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    store = store_from(args)
    summaries = [store.summary(r) for r in store.records()]
    if args.status_equals:
        summaries = [s for s in summaries if s.get("TrainingJobStatus") == args.status_equals]
    if args.name_contains:
        needle = args.name_contains.lower()
        summaries = [s for s in summaries if needle in s["TrainingJobName"].lower()]
    if args.max_results is not None:
        summaries = summaries[:max(args.max_results, 0)]
    if args.json:
        print(json.dumps(readable({"TrainingJobSummaries": summaries}), indent=4))
        return 0
    if not summaries:
        print(f"No training jobs in {store.root}.")
        return 0
    width = max(len("NAME"), *(len(s["TrainingJobName"]) for s in summaries))
    print(f"{'NAME':<{width}}  {'STATUS':<10}  {'SECONDARY':<18}  CREATED")
    for s in summaries:
        print(f"{s['TrainingJobName']:<{width}}  {s.get('TrainingJobStatus', ''):<10}  "
              f"{s.get('SecondaryStatus', ''):<18}  {iso(s['CreationTime'])}")
    return 0
