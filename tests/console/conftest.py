"""Fixtures of the console tests: a jobs root holding real k-means, linear learner and PCA
training jobs (trained by `smemu train` on the data in examples/), shared by a test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"
JOBS = {
    "console-kmeans": ["--algorithm", "kmeans", "--channel",
                       f"train=file://{EXAMPLES}/kmeans/,content-type=text/csv;label_size=0",
                       "--hyperparameters", "k=5,feature_dim=7"],
    "console-linear": ["--algorithm", "linear-learner",
                       "--channel", f"train=file://{EXAMPLES}/linear-learner/train/,content-type=text/csv",
                       "--channel",
                       f"validation=file://{EXAMPLES}/linear-learner/validation/,content-type=text/csv",
                       "--hyperparameters", "predictor_type=binary_classifier,epochs=8"],
    "console-pca": ["--algorithm", "pca", "--channel",
                    f"train=file://{EXAMPLES}/kmeans/,content-type=text/csv;label_size=0",
                    "--hyperparameters",
                    "feature_dim=7,num_components=3,mini_batch_size=500,algorithm_mode=regular"],
}


@pytest.fixture(scope="session")
def trained_root(tmp_path_factory) -> Path:
    """A jobs root with the JOBS trained (their model.tar.gz under <root>/../out/)."""
    base = tmp_path_factory.mktemp("console")
    root, out = base / "jobs", base / "out"
    for name, flags in JOBS.items():
        done = subprocess.run(
            [sys.executable, "-m", "smemu", "train", "--name", name, "--jobs-root", str(root),
             "--output", out.as_uri() + "/", *flags], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    return root
