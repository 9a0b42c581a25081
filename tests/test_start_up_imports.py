"""What a process imports to start: the speed a user feels first (issue 23).

Not timed (the machine may be loaded): each command runs as its own process, which writes the
names in ``sys.modules`` when it ends, and the test asserts that the heavy libraries a command does
not need are not among them. ``smemu --help`` reads every algorithm's schema, yet imports no
training code and no numpy; the container imports only its own algorithm's engine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from smemu import contract

sys.path.insert(0, str(Path(__file__).parent / "containers"))
from optml import blobs, make_tree  # noqa: E402

# imported by no command that only parses, lists or describes
HEAVY = ("scipy", "boto3", "botocore", "docker", "flask", "waitress", "xgboost", "faiss", "optuna",
         "sagemaker", "pandas", "numpy", "google.protobuf", "threadpoolctl")

# Runs the code given after it, then writes sys.modules to the file named by argv[1] when the
# process ends (the container ends with os._exit, which skips atexit: that is wrapped too).
_DUMPING = """
import atexit, json, os, sys
out = sys.argv.pop(1)
def dump():
    with open(out, "w") as f:
        json.dump(sorted(sys.modules), f)
atexit.register(dump)
real_exit = os._exit
def _exit(code):
    dump()
    real_exit(code)
os._exit = _exit
"""


def modules_after(tmp_path, code: str, *args: str, env: dict | None = None) -> set[str]:
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", _DUMPING + code, str(out), *args],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert out.exists(), proc.stdout + proc.stderr
    return set(json.loads(out.read_text())), proc


def loaded(modules: set[str], package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in modules)


CLI = "import sys\nfrom smemu.cli import main\nsys.exit(main(sys.argv[1:]))\n"


@pytest.mark.parametrize("argv", [["--help"], ["describe", "no-such-job", "--jobs-root", "jobs"],
                                  ["list", "--jobs-root", "jobs"], ["train", "--help"],
                                  ["validate", "--help"]])
def test_cli_start_up_imports_no_heavy_library(tmp_path, argv):
    modules, proc = modules_after(tmp_path, CLI, *argv)
    heavy = sorted(p for p in HEAVY if loaded(modules, p))
    assert not heavy, f"smemu {' '.join(argv)} imported {heavy}\n{proc.stderr}"
    # the schemas were read (help lists algorithms), but no trainer was imported
    trainers = sorted(m for m in modules if m.startswith("smemu.algorithms.")
                      and m.split(".")[-1] not in ("descriptor", "schema", "hyperparameters",
                                                   "errors", "registry", "metric_definitions")
                      and m.count(".") >= 3)
    assert not trainers, trainers


def test_help_still_lists_every_algorithm_and_subcommand(tmp_path):
    from smemu.algorithms.registry import serving_algorithms

    proc = subprocess.run([sys.executable, "-m", "smemu", "serve", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name in serving_algorithms():
        assert name in proc.stdout


def test_deferred_algorithm_package_still_gives_its_trainer(tmp_path):
    code = ("from smemu.algorithms.registry import descriptors, get_algorithm\n"
            "import sys\n"
            "descriptors()\n"
            "assert 'numpy' not in sys.modules\n"
            "from smemu.algorithms.kmeans import KMeans\n"
            "assert isinstance(get_algorithm('kmeans'), KMeans)\n"
            "import smemu.algorithms.kmeans as k\n"
            "assert k.KMeans is KMeans and k.schema.SCHEMA is k.descriptor.DESCRIPTOR.schema\n")
    modules, proc = modules_after(tmp_path, code)
    assert proc.returncode == 0, proc.stderr
    assert "smemu.algorithms.kmeans.webscale" in modules
    assert not loaded(modules, "smemu.algorithms.knn.index")


def test_container_training_csv_kmeans_imports_only_its_engine(tmp_path):
    root = make_tree(tmp_path / "ml", {"k": "3", "feature_dim": "3", "mini_batch_size": "200"},
                     {"train": {"ContentType": "text/csv;label_size=0"}})
    np.savetxt(root / "input/data/train/part.csv", blobs(), delimiter=",", fmt="%.6f")
    env = {contract.ENV_OPT_ML: str(root), contract.ENV_ALGORITHM: "kmeans", "PATH": "/usr/bin:/bin"}
    code = ("import runpy, sys\nsys.argv[1:] = ['train']\n"
            "runpy.run_module('smemu.containers', run_name='__main__', alter_sys=True)\n")
    modules, proc = modules_after(tmp_path, code, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "model" / "model_algo-1").exists()
    not_needed = ("boto3", "botocore", "flask", "waitress", "docker", "optuna", "sagemaker",
                  "pandas", "xgboost", "faiss", "google.protobuf", "scipy",
                  "smemu.emulator", "smemu.commands")
    assert not [p for p in not_needed if loaded(modules, p)]
    others = sorted({m.split(".")[2] for m in modules if m.startswith("smemu.algorithms.")
                     and m.count(".") >= 3 and not m.endswith((".descriptor", ".schema"))
                     and m.split(".")[2] != "kmeans"})
    assert not others, f"the k-means container imported other algorithms' code: {others}"


def test_readme_job_host_process_imports_no_heavy_library(tmp_path):
    """README's job (k-means on CSV) from ``smemu train``: the host process reads the request's
    API model from its cache (the first run builds it from botocore) and needs neither numpy's
    sparse side nor boto3/botocore, protobuf, flask, docker or optuna."""
    root = Path(__file__).resolve().parents[1]
    request = json.loads((root / "examples" / "kmeans-job.json").read_text())
    request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = \
        (root / "examples" / "data" / "kmeans").as_uri() + "/"
    request["OutputDataConfig"]["S3OutputPath"] = (tmp_path / "output").as_uri()
    job = tmp_path / "job.json"
    job.write_text(json.dumps(request))
    env = dict(os.environ, SMEMU_HOME=str(tmp_path / "home"))
    for i in range(2):   # the first run caches botocore's request shapes
        modules, proc = modules_after(tmp_path, CLI, "train", "--job", str(job), "--quiet",
                                      "--name", f"imports-{i}", "--jobs-root",
                                      str(tmp_path / "jobs"), env=env)
        assert proc.returncode == 0, proc.stderr
    heavy = sorted(p for p in HEAVY if loaded(modules, p))
    assert not heavy, f"smemu train (README's job) imported {heavy} on the host"


def test_every_algorithm_module_imports_after_the_registry_scan():
    """The registry defers each algorithm package's ``__init__``; a module imported after the
    scan (as tests and the serving container do) must not trip over that, e.g. k-NN's inference
    importing ``knn.index`` while the package's ``__init__`` imports inference (a fresh process
    per module, each after ``descriptors()``)."""
    import pkgutil

    import smemu.algorithms as algorithms

    failures = []
    for info in pkgutil.walk_packages(algorithms.__path__, "smemu.algorithms."):
        code = ("from smemu.algorithms.registry import descriptors\n"
                f"descriptors()\nimport {info.name}\n")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if result.returncode:
            failures.append(f"{info.name}: {result.stderr.strip().splitlines()[-1]}")
    assert not failures
