"""``docker run --rm -v "$PWD/opt_ml:/opt/ml" smemu/kmeans:1 train``: the image run by hand (as a CI
pipeline would run it), on a hand-made /opt/ml tree, with Pipe-mode FIFOs fed from outside."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading

import pytest

from smemu import contract
from smemu.formats import load_ndarrays, write_recordio_protobuf

import jobdata

pytestmark = pytest.mark.docker


def _tree(root, channels: dict, hyperparameters: dict):
    tree = contract.Tree(root)
    for directory in (tree.config_dir, tree.data_dir, tree.model_dir, tree.output_data_dir):
        directory.mkdir(parents=True)
    tree.config_file(contract.HYPERPARAMETERS).write_text(json.dumps(hyperparameters))
    tree.config_file(contract.INPUT_DATA_CONFIG).write_text(
        json.dumps(channels, separators=(",", ":")))
    host = contract.FIRST_HOST
    tree.config_file(contract.RESOURCE_CONFIG).write_text(json.dumps(
        {"current_host": host, "hosts": [host], "network_interface_name": "eth0"}))
    return root


def _docker_run(image, opt_ml):
    cli = shutil.which("docker")
    if cli is None:
        pytest.skip("the docker command-line client is not installed")
    return subprocess.run([cli, "run", "--rm", "--network", "none", "-v", f"{opt_ml}:/opt/ml",
                           image, "train"], capture_output=True, text=True, timeout=300)


HP = {"k": str(jobdata.K), "feature_dim": str(jobdata.FEATURE_DIM), "mini_batch_size": "300",
      "epochs": "2"}


def test_pipe_mode_with_fifos_fed_from_outside(smemu_images, tmp_path):
    opt_ml = _tree(tmp_path / "opt_ml", {"train": {
        "TrainingInputMode": "Pipe", "S3DistributionType": "FullyReplicated",
        "RecordWrapperType": "None"}}, HP)
    source = tmp_path / "train.pbr"
    write_recordio_protobuf(str(source), jobdata.clustered(900))
    payload = source.read_bytes()
    fed = []

    def feed():   # what SageMaker's agent does: one FIFO per pass, created when the last one ends
        for epoch in range(2):
            fifo = opt_ml / "input" / "data" / f"train_{epoch}"
            os.mkfifo(fifo)
            with open(fifo, "wb") as out:
                out.write(payload)
            fed.append(epoch)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    run = _docker_run(smemu_images["kmeans"], opt_ml)
    assert run.returncode == 0, run.stdout + run.stderr
    feeder.join(timeout=10)
    assert fed == [0, 1]
    (centroids,) = load_ndarrays(opt_ml / "model" / "model_algo-1")
    assert jobdata.centre_error(centroids) < 0.5
    assert "Docker entrypoint called with argument(s): train" in run.stdout + run.stderr
    assert not (opt_ml / "output" / "failure").exists()


def test_bad_data_leaves_the_failure_file_and_a_nonzero_exit(smemu_images, tmp_path):
    opt_ml = _tree(tmp_path / "opt_ml", {"train": {
        "ContentType": "text/csv;label_size=0", "TrainingInputMode": "File",
        "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}}, HP)
    (opt_ml / "input" / "data" / "train").mkdir()
    (opt_ml / "input" / "data" / "train" / "part.csv").write_text("1,2,3,4\n5,6,oops,8\n")
    run = _docker_run(smemu_images["kmeans"], opt_ml)
    assert run.returncode != 0
    failure = (opt_ml / "output" / "failure").read_text()
    assert failure.startswith("ClientError: ")
    assert "Line 2, column 3 of file /opt/ml/input/data/train/part.csv" in failure
    assert "Traceback" not in run.stdout + run.stderr
