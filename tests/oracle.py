"""The oracle: a separate virtual environment holding the real libraries smemu must agree with
byte for byte (mxnet 1.9.1 for NDArray files, the sagemaker SDK v2 for RecordIO-protobuf).

It is built once and cached at $SMEMU_ORACLE_VENV, or ~/.cache/smemu/oracle-venv-<hash of the
requirement list>. It is built in a temporary directory and renamed into place when complete, under
a file lock, so a half-built environment is never used and parallel runs build it once.

Use it through the fixtures in tests/conftest.py: ``oracle_python`` (path of its python) and
``run_oracle(code, *args, input=None, text=True) -> stdout``; mark such tests ``@pytest.mark.oracle``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = ["numpy==1.23.5", "mxnet==1.9.1", "sagemaker<3", "scipy==1.10.1"]  # scipy: the SDK's sparse writer
CHECK = ("import mxnet, numpy, scipy.sparse, sagemaker.amazon.common, sagemaker.serializer_utils; "
         "print(mxnet.__version__, numpy.__version__, sagemaker.__version__)")
BUILD_TIMEOUT = 1800


class OracleUnavailable(RuntimeError):
    pass


def venv_dir() -> Path:
    configured = os.environ.get("SMEMU_ORACLE_VENV")
    if configured:
        return Path(configured)
    digest = hashlib.sha256("\n".join(REQUIREMENTS).encode()).hexdigest()[:10]
    return Path.home() / ".cache" / "smemu" / f"oracle-venv-{digest}"


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ready(venv: Path) -> bool:
    return (venv / ".smemu-oracle-complete").exists() and python_of(venv).exists()


def ensure_oracle() -> Path:
    """Path of the oracle's python, building the environment first if needed."""
    venv = venv_dir()
    if _ready(venv):
        return python_of(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ready(venv):
            return python_of(venv)
        build = Path(f"{venv}.building-{os.getpid()}")
        shutil.rmtree(build, ignore_errors=True)
        try:
            _run([sys.executable, "-m", "venv", str(build)], "create the virtual environment")
            _run([str(python_of(build)), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                  *REQUIREMENTS], f"pip install {' '.join(REQUIREMENTS)}")
            _run([str(python_of(build)), "-c", CHECK], "import mxnet and sagemaker")
            (build / ".smemu-oracle-complete").write_text("\n".join(REQUIREMENTS) + "\n")
            shutil.rmtree(venv, ignore_errors=True)  # an incomplete one left by an older layout
            os.rename(build, venv)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    return python_of(venv)


def _run(cmd, what):
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise OracleUnavailable(f"could not {what}: {e}") from None
    if result.returncode:
        tail = (result.stderr or result.stdout).strip().splitlines()[-15:]
        raise OracleUnavailable(f"could not {what}:\n" + "\n".join(tail))


def run_oracle(python: Path, code: str, *args, input=None, text: bool = True, timeout: int = 600):
    """Runs ``code`` (a Python snippet; ``sys.argv[1:]`` are ``args``) in the oracle and returns its
    stdout (str, or bytes with ``text=False``). A failure raises AssertionError with its stderr."""
    if text and isinstance(input, bytes):
        text = False
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MXNET_LIBRARY_QUIET"] = "1"
    result = subprocess.run([str(python), "-c", code, *map(str, args)], input=input,
                            capture_output=True, text=text, timeout=timeout, env=env)
    if result.returncode:
        err = result.stderr if text else result.stderr.decode("utf-8", "replace")
        raise AssertionError(f"the oracle failed (exit {result.returncode}):\n{err}")
    return result.stdout
