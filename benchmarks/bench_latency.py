"""Start-up latency a user feels: whole ``smemu`` processes against the interpreter's own floor.

Each command runs as a fresh process, ``--runs`` times (default 10; ``--quick``: 3), interleaved
with the reference ``python -c pass`` (same interpreter, same virtual environment), and the median
is printed with min-max, in wall time and in CPU time (user + system of the process and its
children). On a shared, loaded machine wall time mostly measures waiting for a CPU; CPU time is
the steadier figure, and ``tests/test_start_up_imports.py`` checks what each process imports.

* ``smemu --help``                         (target: <= 0.1 s wall on a quiet 2-core machine)
* ``smemu validate --job examples/kmeans-job.json``
* README's job, ``smemu train --job examples/kmeans-job.json`` (target: <= 0.5 s wall), run under
  a fresh job name, with the job records and its output in a temporary directory.

The SDK's fit/deploy/predict round trip is ``benchmarks/bench_sdk_round_trip.py``.

    .venv/bin/python benchmarks/bench_latency.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOB = ROOT / "examples" / "kmeans-job.json"


def smemu_command() -> list[str]:
    script = Path(sys.executable).with_name("smemu")
    return [str(script)] if script.exists() else [sys.executable, "-m", "smemu"]


def job_copy(workdir: Path) -> Path:
    """README's job with its channel read in place and its output in ``workdir``."""
    request = json.loads(JOB.read_text())
    request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = \
        (JOB.parent / "data" / "kmeans").as_uri() + "/"
    request["OutputDataConfig"]["S3OutputPath"] = (workdir / "output").as_uri()
    path = workdir / "kmeans-job.json"
    path.write_text(json.dumps(request))
    return path


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} s ({min(values):.3f}-{max(values):.3f})"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=10, help="runs of each command (median printed)")
    p.add_argument("--quick", action="store_true", help="3 runs of each")
    args = p.parse_args(argv)
    runs = 3 if args.quick else args.runs
    smemu = smemu_command()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        job = job_copy(workdir)
        jobs_root = str(workdir / "jobs")
        commands = {
            "python -c pass (floor)": lambda i: [sys.executable, "-c", "pass"],
            "smemu --help": lambda i: smemu + ["--help"],
            "smemu validate --job (README job)": lambda i: smemu + ["validate", "--job", str(job)],
            "smemu train --job (README job)": lambda i: smemu + [
                "train", "--job", str(job), "--name", f"latency-{i}", "--quiet",
                "--jobs-root", jobs_root],
        }
        walls = {name: [] for name in commands}
        cpus = {name: [] for name in commands}
        for i in range(runs):   # interleaved, so a burst of load touches every command alike
            for name, argv in commands.items():
                wall, cpu = timed(argv(i))
                walls[name].append(wall)
                cpus[name].append(cpu)
    load = os.getloadavg()[0]
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not any(
            (ROOT / "smemu" / "__pycache__").glob("cli.*.pyc")):
        print("PYTHONDONTWRITEBYTECODE is set and smemu has no .pyc files: every process compiles "
              "smemu from source (run `python -m compileall smemu` for what an install gives)")
    print(f"{runs} runs each; load average {load:.1f} on {os.cpu_count()} CPUs"
          + (" (loaded: wall times mostly measure waiting for a CPU)" if load > 1 else ""))
    floor_wall = statistics.median(walls["python -c pass (floor)"])
    floor_cpu = statistics.median(cpus["python -c pass (floor)"])
    print(f"{'':36s} {'wall: median (min-max)':>28s}  {'CPU: median (min-max)':>28s}  vs floor")
    for name in commands:
        w, c = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:36s} {spread(walls[name]):>28s}  {spread(cpus[name]):>28s}  "
              f"{w / floor_wall:5.1f}x wall, +{c - floor_cpu:.3f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
