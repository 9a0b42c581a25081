"""``python -m smemu.containers train``: the model it writes, its log lines, and its failures."""

import subprocess
import sys

import numpy as np

from smemu import contract
from smemu.formats import load_ndarrays, write_recordio_protobuf

from optml import blobs, make_tree, nearest_centre_error

HP = {"k": "3", "feature_dim": "3", "mini_batch_size": "200"}


def run_container(root, algorithm="kmeans"):
    env = {contract.ENV_OPT_ML: str(root), contract.ENV_ALGORITHM: algorithm, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "smemu.containers", contract.TRAIN], env=env,
                          capture_output=True, text=True, timeout=120)
    failure = contract.Tree(root).failure_file
    return proc.returncode, proc.stdout + proc.stderr, (failure.read_text() if failure.exists() else None)


def test_trains_kmeans_and_writes_model_algo_1(tmp_path):
    root = make_tree(tmp_path / "ml", HP, {"train": {"ContentType": "text/csv;label_size=0"}})
    np.savetxt(root / "input/data/train/part.csv", blobs(), delimiter=",", fmt="%.6f")
    code, log, failure = run_container(root)
    assert code == 0, log
    assert failure is None
    (centroids,) = load_ndarrays(root / "model" / "model_algo-1")
    assert centroids.shape == (3, 3) and centroids.dtype == np.float32
    assert nearest_centre_error(centroids) < 0.2
    lines = log.splitlines()
    # the entrypoint's own lines are bare, as the real one's
    assert lines[:2] == ["Docker entrypoint called with argument(s): train",
                         "Running default environment configuration script"]
    assert lines[2].startswith("[") and "] Reading default configuration from " in lines[2]
    assert "'mini_batch_size': '5000'" in lines[2]
    assert "/opt/ml/input/config/hyperparameters.json: {'k': '3'" in lines[3]
    assert "] Final configuration: {" in lines[4] and "'mini_batch_size': '200'" in lines[4]
    assert "Loaded iterator creator text/csv for content type ('text/csv', '1.0')" in log
    assert "#quality_metric: host=algo-1, train msd <loss>=" in log
    assert "Test data is not provided." in log


def test_recordio_protobuf_without_content_type(tmp_path):
    root = make_tree(tmp_path / "ml", HP, {"train": {}})
    write_recordio_protobuf(str(root / "input/data/train/part.pbr"), blobs())
    code, log, _ = run_container(root)
    assert code == 0, log
    assert ("Loaded iterator creator application/x-recordio-protobuf for content type "
            "('application/x-recordio-protobuf', '1.0')") in log


def test_bad_hyperparameter_is_a_client_error_without_traceback(tmp_path):
    root = make_tree(tmp_path / "ml", dict(HP, k="many"), {"train": {"ContentType": "text/csv"}})
    code, log, failure = run_container(root)
    assert code != 0
    assert failure.startswith("ClientError: ") and "'k'" in failure
    assert "Traceback" not in log and "Traceback" not in failure


def test_unknown_hyperparameter_names_it(tmp_path):
    root = make_tree(tmp_path / "ml", dict(HP, mini_batch_siz="10"), {"train": {"ContentType": "text/csv"}})
    code, _, failure = run_container(root)
    assert code != 0
    assert "Additional properties are not allowed ('mini_batch_siz' was unexpected)" in failure


def test_unknown_content_type(tmp_path):
    root = make_tree(tmp_path / "ml", HP, {"train": {"ContentType": "csv"}})
    np.savetxt(root / "input/data/train/part.csv", blobs(30), delimiter=",")
    code, log, failure = run_container(root)
    assert code != 0
    assert failure.startswith("ClientError: No iterator has been registered for ContentType ('csv', '1.0')")
    assert "Traceback" not in log


def test_missing_required_channel(tmp_path):
    root = make_tree(tmp_path / "ml", HP, {"test": {"ContentType": "text/csv;label_size=0"}})
    code, _, failure = run_container(root)
    assert code != 0
    assert failure.startswith("ClientError: ") and "'train' is a required property" in failure


def test_unexpected_channel(tmp_path):
    root = make_tree(tmp_path / "ml", HP, {"train": {"ContentType": "text/csv"},
                                           "validation": {"ContentType": "text/csv"}})
    code, _, failure = run_container(root)
    assert code != 0
    assert "('validation' was unexpected)" in failure


def test_bad_row_names_file_and_line(tmp_path):
    root = make_tree(tmp_path / "ml", HP, {"train": {"ContentType": "text/csv;label_size=0"}})
    rows = blobs(600)
    lines = [",".join(f"{v:.5f}" for v in r) for r in rows]
    lines[411] = "1.0,oops,2.0"
    (root / "input/data/train/part-7.csv").write_text("\n".join(lines) + "\n")
    code, log, failure = run_container(root)
    assert code != 0
    assert failure.startswith("ClientError: ")
    assert "/opt/ml/input/data/train/part-7.csv" in failure and "Line 412" in failure
    assert "Traceback" not in log


def test_unexpected_exception_is_an_algorithm_error_with_traceback_in_the_log(tmp_path, monkeypatch):
    from smemu.containers import train as train_module

    from smemu.algorithms.kmeans import KMeans

    def broken_train(self, config, channels, reporter):
        raise RuntimeError("internal state went wrong")

    monkeypatch.setattr(KMeans, "train", broken_train)
    monkeypatch.setenv("SMEMU_ALGORITHM", "kmeans")
    root = make_tree(tmp_path / "ml", HP, {"train": {"ContentType": "text/csv"}})
    from smemu.containers.paths import OptML
    assert train_module.train(OptML(root)) != 0
    failure = (root / "output" / "failure").read_text()
    assert failure == "AlgorithmError: RuntimeError: internal state went wrong"


def test_without_algorithm_name_is_an_algorithm_error(tmp_path):
    root = make_tree(tmp_path / "ml", HP, {"train": {"ContentType": "text/csv"}})
    code, _, failure = run_container(root, algorithm="")
    assert code != 0 and failure.startswith("AlgorithmError: ") and "SMEMU_ALGORITHM" in failure


def test_sigterm_ends_training_at_once(tmp_path):
    """StopTrainingJob (and `docker stop`) send SIGTERM; as a container's PID 1 Python would
    otherwise ignore it. A Pipe-mode job waiting for its FIFO must end on it, exit 143."""
    import signal
    import time
    root = make_tree(tmp_path / "ml", HP, {"train": {"ContentType": "text/csv;label_size=0",
                                                     "TrainingInputMode": "Pipe"}})
    env = {contract.ENV_OPT_ML: str(root), contract.ENV_ALGORITHM: "kmeans", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "smemu.containers", "train"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = ""
        while "Loaded iterator creator" not in seen:   # training has started and waits for train_0
            line = proc.stdout.readline()
            assert line, seen
            seen += line
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "Received signal 15; stopping training" in rest
