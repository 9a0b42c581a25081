"""The host side end to end: a model.tar.gz unpacked into a temporary /opt/ml/model and served by
the container entrypoint in its own process (``LocalEndpoint``, what ``smemu serve`` runs), for a
model written with smemu.formats and for one a k-means training job trained."""

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import urllib.request

import numpy as np
import pytest
from serving_helpers import nearest

from smemu.emulator.serving import LocalEndpoint, ServingError, free_port
from smemu.formats import load_ndarrays, save_ndarrays


def make_tarball(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return str(path)


def ndarray_bytes(arrays):
    buffer = io.BytesIO()
    save_ndarrays(buffer, arrays)
    return buffer.getvalue()


def invoke(url, body, content_type="text/csv", accept="application/json"):
    request = urllib.request.Request(url + "/invocations", data=body, method="POST",
                                     headers={"Content-Type": content_type, "Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def predictions_match(url, centroids, rows):
    body = "\n".join(",".join(map(str, row)) for row in rows).encode()
    status, answer = invoke(url, body)
    assert status == 200
    predictions = json.loads(answer)["predictions"]
    closest, distance = nearest(centroids, rows)
    np.testing.assert_array_equal([p["closest_cluster"] for p in predictions], closest)
    np.testing.assert_allclose([p["distance_to_cluster"] for p in predictions], distance,
                               rtol=1e-6, atol=1e-6)


def test_a_model_tarball_is_served_from_a_file_uri(tmp_path, centroids):
    tarball = make_tarball(tmp_path / "model.tar.gz",
                           {"model_algo-1": ndarray_bytes([centroids])})
    rows = np.random.default_rng(3).normal(size=(20, 6)).astype(np.float32)
    with LocalEndpoint("file://" + tarball, "kmeans", port=0, on_log_line=print) as endpoint:
        with urllib.request.urlopen(endpoint.url + "/ping", timeout=5) as response:
            assert (response.status, response.read()) == (200, b"")
        predictions_match(endpoint.url, centroids, rows)
        root = endpoint.root
    assert not os.path.exists(root)   # the temporary /opt/ml is removed


@pytest.mark.slow
def test_a_trained_kmeans_model_is_served(tmp_path):
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.normal(loc=c, scale=0.3, size=(200, 3)) for c in (-4, 0, 4)])
    (tmp_path / "train").mkdir()
    np.savetxt(tmp_path / "train" / "train.csv", data, delimiter=",", fmt="%.6f")
    subprocess.run(
        [sys.executable, "-m", "smemu", "train", "--quiet", "--name", "km-serve",
         "--algorithm", "kmeans", "--channel",
         f"train=file://{tmp_path}/train/,content-type=text/csv;label_size=0",
         "--hyperparameters", "k=3,feature_dim=3", "--output", f"file://{tmp_path}/output",
         "--jobs-root", str(tmp_path / "jobs")], check=True, timeout=300)
    tarball = tmp_path / "output" / "km-serve" / "output" / "model.tar.gz"
    with tarfile.open(tarball) as archive:
        centroids = load_ndarrays(archive.extractfile("model_algo-1"))[0]
    assert centroids.shape == (3, 3)
    with LocalEndpoint(str(tarball), "kmeans", port=0) as endpoint:
        predictions_match(endpoint.url, centroids, data[::7].astype(np.float32))


def test_a_tarball_without_model_algo_1_fails_to_start_and_says_why(tmp_path):
    tarball = make_tarball(tmp_path / "model.tar.gz", {"weights.bin": b"\0" * 8})
    lines = []
    with pytest.raises(ServingError, match="exited with status 2 before it answered /ping"):
        LocalEndpoint(tarball, "kmeans", port=0, on_log_line=lines.append).start()
    log = "\n".join(lines)
    assert ("There is no /opt/ml/model/model_algo-1: the model.tar.gz must hold a file "
            "model_algo-1 at its top level" in log)
    assert "weights.bin" in log


def test_a_path_escaping_the_model_directory_is_refused(tmp_path):
    tarball = make_tarball(tmp_path / "model.tar.gz", {"../evil": b"x"})
    with pytest.raises(ServingError, match="a path outside the model directory"):
        LocalEndpoint(tarball, "kmeans", port=0).start()
    assert not (tmp_path / "evil").exists()


def test_smemu_serve_reports_an_unreadable_model(tmp_path):
    not_a_tarball = tmp_path / "model.tar.gz"
    not_a_tarball.write_bytes(b"this is not gzip")
    result = subprocess.run(
        [sys.executable, "-m", "smemu", "serve", "--model", str(not_a_tarball),
         "--algorithm", "kmeans", "--port", "0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "is not a readable .tar.gz" in result.stderr
    assert "Traceback" not in result.stderr


def test_smemu_serve_serves_until_sigterm(tmp_path, centroids):
    tarball = make_tarball(tmp_path / "model.tar.gz", {"model_algo-1": ndarray_bytes([centroids])})
    port = free_port()
    command = subprocess.Popen(
        [sys.executable, "-m", "smemu", "serve", "--model", tarball, "--algorithm", "kmeans",
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        announced = ""
        while "Ctrl-C stops it" not in announced:
            line = command.stdout.readline()
            assert line, f"smemu serve ended early: {announced}"
            announced += line
        assert f"at http://127.0.0.1:{port}" in announced
        predictions_match(f"http://127.0.0.1:{port}", centroids, centroids + 0.25)
    finally:
        command.send_signal(signal.SIGTERM)
        rest, _ = command.communicate(timeout=60)
    assert command.returncode == 0
    assert "Received signal 15; shutting down" in rest
