"""What a training job's model artifact holds, and pictures of the model where a picture teaches.

The artifact is read with :mod:`smemu.formats` directly (the emulator does not import container
code): ``model.tar.gz`` holds ``model_algo-1``, an MXNet NDArray file (k-means' centroids, PCA's
``mean``/``v``/``s``, ...) or a zip holding an MXNet module checkpoint (linear learner).

Pictures:

* k-means: a sample of the training data projected on its first two principal components,
  each point coloured (and shaped) by its nearest centroid, the centroids drawn numbered;
* linear learner: the weights as bars, and the histogram of the training sample's scores with the
  calibration threshold (binary classifiers);
* PCA: the explained variance of each component (its singular value squared over their sum).
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np

from smemu.emulator.console import svg
from smemu.formats import FormatError, load_ndarrays, reader_for
from smemu.formats.mxnet_checkpoint import read_module_zip

MODEL_FILE = "model_algo-1"
SAMPLE_ROWS = 1000


def local_path(uri: str | None) -> Path | None:
    """The local path of a ``file://`` URI or plain path; None for ``s3://`` and the like."""
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.netloc + parsed.path))
    if parsed.scheme == "":
        return Path(uri)
    return None


def artifact_path(record: dict) -> Path | None:
    path = local_path((record.get("ModelArtifacts") or {}).get("S3ModelArtifacts"))
    return path if path and path.is_file() else None


def read_arrays(artifact: Path) -> dict[str, np.ndarray]:
    """name -> array from the artifact's ``model_algo-1`` (unnamed arrays are ``array 0``, ...)."""
    with tarfile.open(artifact) as tar:
        try:
            member = tar.extractfile(MODEL_FILE)
        except KeyError:
            raise FormatError(f"{artifact} holds no {MODEL_FILE}",
                              "Pass the model.tar.gz of a built-in algorithm's job") from None
        data = member.read()
    if data[:2] == b"PK":
        _symbol, arrays, _manifest = read_module_zip(io.BytesIO(data))
        return dict(arrays)
    loaded = load_ndarrays(io.BytesIO(data), name=MODEL_FILE)
    if isinstance(loaded, dict):
        return dict(loaded)
    return {f"array {i}": a for i, a in enumerate(loaded)}


def summary(arrays: dict[str, np.ndarray], first: int = 8) -> list[dict]:
    """Per array: name, shape, dtype and its first values."""
    return [{"name": name, "shape": "×".join(map(str, a.shape)) or "scalar", "dtype": str(a.dtype),
             "first": ", ".join(f"{v:.5g}" for v in np.asarray(a, dtype=np.float64).ravel()[:first])}
            for name, a in arrays.items()]


def _files(uri: str | None) -> list[Path]:
    path = local_path(uri)
    if path is None:
        return []
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    return sorted(p for p in path.parent.glob(path.name + "*") if p.is_file())


def channel_facts(channel: dict) -> dict:
    """Objects and bytes of a channel whose data is on this machine (None for S3)."""
    source = (channel.get("DataSource") or {}).get("S3DataSource") or {}
    files = _files(source.get("S3Uri")) if source.get("S3DataType", "S3Prefix") == "S3Prefix" else []
    local = local_path(source.get("S3Uri")) is not None
    return {"name": channel.get("ChannelName"), "uri": source.get("S3Uri"),
            "content_type": channel.get("ContentType") or "application/x-recordio-protobuf",
            "mode": channel.get("InputMode") or "",
            "objects": len(files) if local else None,
            "bytes": sum(p.stat().st_size for p in files) if local else None}


def training_sample(record: dict, rows: int = SAMPLE_ROWS) -> np.ndarray | None:
    """Up to ``rows`` records (features only) of the job's train channel, when it is local."""
    channel = next((c for c in record.get("InputDataConfig") or []
                    if c.get("ChannelName") == "train"), None)
    if channel is None:
        return None
    source = (channel.get("DataSource") or {}).get("S3DataSource") or {}
    try:
        reader = reader_for(channel.get("ContentType"))
    except FormatError:
        return None
    parts, count = [], 0
    for path in _files(source.get("S3Uri")):
        try:
            for batch in reader(str(path), batch_size=rows):
                features = batch.features
                features = features if isinstance(features, np.ndarray) else features.toarray()
                parts.append(np.asarray(features, dtype=np.float64))
                count += len(features)
                if count >= rows:
                    break
        except (FormatError, OSError, ValueError):
            continue
        if count >= rows:
            break
    return np.vstack(parts)[:rows] if parts else None


def _algorithm(record: dict) -> str:
    image = (record.get("AlgorithmSpecification") or {}).get("TrainingImage") or ""
    return image.rsplit("/", 1)[-1].split(":")[0]


def pictures(record: dict, arrays: dict[str, np.ndarray]) -> list[dict]:
    """``[{"title", "svg", "caption"}]`` for the job's algorithm; [] where no picture fits."""
    algorithm = _algorithm(record)
    if algorithm == "kmeans" and arrays:
        return _kmeans(record, next(iter(arrays.values())))
    if algorithm == "linear-learner" and "arg:fc0_weight" in arrays:
        return _linear_learner(record, arrays)
    if algorithm == "pca" and "s" in arrays:
        return _pca(arrays)
    if algorithm == "lda" and len(arrays) == 2:
        return _lda(list(arrays.values())[1])
    if algorithm == "randomcutforest":
        return _randomcutforest(record)
    return []


def kmeans_projection(sample: np.ndarray, centroids: np.ndarray):
    """``(projected sample, projected centroids, nearest centroid of each record)``: the sample
    centred and projected on its first two principal components (SVD), the centroids likewise."""
    centre = sample.mean(axis=0)
    _u, _s, vt = np.linalg.svd(sample - centre, full_matrices=False)
    axes = vt[:2].T if vt.shape[0] >= 2 else np.eye(sample.shape[1], 2)
    distances = ((sample[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return (sample - centre) @ axes, (centroids - centre) @ axes, distances.argmin(axis=1)


def _kmeans(record: dict, centroids: np.ndarray) -> list[dict]:
    sample = training_sample(record)
    if sample is None or sample.shape[1] != centroids.shape[1] or len(sample) < 2:
        return []
    projected, centres, nearest = kmeans_projection(sample, centroids)
    groups = {f"{k}: {int((nearest == k).sum())} pts":
              [tuple(p) for p in projected[nearest == k]] for k in range(len(centroids))}
    chart = svg.scatter("k-means clusters on the first two principal components", groups,
                        {"centroid": [tuple(c) for c in centres]}, "component 1", "component 2")
    return [{"title": "Clusters", "svg": chart,
             "caption": f"{len(sample)} training records projected on their first two principal "
                        f"components; each point takes the shape and colour of its nearest "
                        f"centroid (numbered circles)."}]


def _module_extra(record: dict) -> dict:
    """The JSON beside an MXNet module checkpoint (linear learner's ``additional-params.json``:
    predictor type, threshold), {} when there is none."""
    artifact = artifact_path(record)
    try:
        with tarfile.open(artifact) as tar:
            _symbol, _arrays, extra = read_module_zip(io.BytesIO(tar.extractfile(MODEL_FILE).read()))
    except (OSError, KeyError, tarfile.TarError, FormatError, AttributeError):
        return {}
    return extra if isinstance(extra, dict) else {}


def _linear_learner(record: dict, arrays: dict[str, np.ndarray]) -> list[dict]:
    weight = np.asarray(arrays["arg:fc0_weight"], dtype=np.float64)
    bias = np.asarray(arrays.get("arg:fc0_bias", np.zeros(weight.shape[0])), dtype=np.float64)
    if bias.ndim == 2 and bias.shape[0] == 1 and weight.shape[1] == bias.shape[1]:
        weight = weight.T   # the real layout: dot(data, fc0_weight (feature_dim, outputs))
    if "threshold" not in arrays and isinstance(_module_extra(record).get("threshold"), (int, float)):
        arrays = {**arrays, "threshold": np.array([_module_extra(record)["threshold"]])}
    out = []
    if weight.shape[0] == 1:
        out.append({"title": "Weights", "caption": "The weight of each feature (hatched: negative), "
                    "on raw features (normalization is folded in).",
                    "svg": svg.bar_chart("Linear learner weights",
                                         [f"x{i}" for i in range(weight.shape[1])], weight[0],
                                         y_label="weight", x_label="feature")})
    sample = training_sample(record)
    if sample is not None and sample.shape[1] == weight.shape[1] and weight.shape[0] == 1:
        scores = sample @ weight[0] + bias.reshape(-1)[0]
        binary = (record.get("HyperParameters") or {}).get("predictor_type") == "binary_classifier"
        markers = {}
        if binary:
            scores = 1 / (1 + np.exp(-scores))
            if "threshold" in arrays:
                markers["threshold"] = float(np.asarray(arrays["threshold"]).ravel()[0])
        out.append({"title": "Scores", "caption": f"Scores of {len(sample)} training records"
                    + (" and the calibration threshold (dashed) above which a record is class 1."
                       if markers else "."),
                    "svg": svg.histogram("Score histogram", scores, x_label="score",
                                         markers=markers)})
    return out


def _pca(arrays: dict[str, np.ndarray]) -> list[dict]:
    s = np.asarray(arrays["s"], dtype=np.float64).ravel()
    variance = s ** 2
    ratio = variance / variance.sum() if variance.sum() > 0 else variance
    return [{"title": "Explained variance", "caption": "Share of the kept components' variance "
             "each component explains (singular value squared over their sum).",
             "svg": svg.bar_chart("PCA explained variance", [f"PC{i + 1}" for i in range(len(s))],
                                  ratio, y_label="share of variance", x_label="component")}]


TOP_WORDS = 8
TOPICS_SHOWN = 10


def top_words(beta: np.ndarray, count: int = TOP_WORDS) -> list[list[tuple[int, float]]]:
    """Per topic, its ``count`` most probable word ids (columns of ``beta``) with their
    probabilities, most probable first."""
    beta = np.asarray(beta, dtype=np.float64)
    beta = beta / np.maximum(beta.sum(axis=1, keepdims=True), 1e-300)
    order = np.argsort(-beta, axis=1, kind="stable")[:, :count]
    return [[(int(w), float(beta[t, w])) for w in order[t]] for t in range(beta.shape[0])]


def _lda(beta: np.ndarray) -> list[dict]:
    """LDA's ``model_algo-1`` is ``[alpha, beta]``; beta is topics x vocabulary. Words are shown
    by their column (the word id the training records count), as LDA takes no vocabulary."""
    out = []
    topics = top_words(beta)
    for t, words in enumerate(topics[:TOPICS_SHOWN]):
        out.append({"title": f"Topic {t}: top words",
                    "caption": f"The {len(words)} most probable word ids of topic {t} and their "
                               f"probabilities."
                               + (f" (The first {TOPICS_SHOWN} of {len(topics)} topics are "
                                  f"shown.)" if t == 0 and len(topics) > TOPICS_SHOWN else ""),
                    "svg": svg.bar_chart(f"LDA topic {t}", [f"word {w}" for w, _ in words],
                                         [p for _, p in words], y_label="probability",
                                         x_label="word id")})
    return out


_RCF_SCORES: dict[tuple, np.ndarray] = {}
_RCF_LOCK = threading.Lock()


def served_scores(record: dict, sample: np.ndarray) -> np.ndarray | None:
    """The scores the job's model gives ``sample``: the host side runs a model only through its
    serving container, so a local endpoint serves it for the moment of one request (the answer is
    kept per artifact, so a page view after the first costs nothing)."""
    from smemu.emulator.serving import LocalEndpoint, ServingError

    artifact = artifact_path(record)
    if artifact is None:
        return None
    key = (str(artifact), artifact.stat().st_mtime_ns, len(sample))
    with _RCF_LOCK:
        if key in _RCF_SCORES:
            return _RCF_SCORES[key]
        body = "\n".join(",".join(repr(float(v)) for v in row) for row in sample).encode()
        try:
            with LocalEndpoint(artifact.as_uri(), "randomcutforest", port=0,
                               on_log_line=lambda line: None, startup_timeout=60) as endpoint:
                request = urllib.request.Request(
                    endpoint.url + "/invocations", data=body, method="POST",
                    headers={"Content-Type": "text/csv", "Accept": "application/json"})
                with urllib.request.urlopen(request, timeout=60) as answer:
                    scores = np.array([s["score"] for s in json.load(answer)["scores"]])
        except (ServingError, OSError, ValueError, KeyError):
            return None
        _RCF_SCORES[key] = scores
        return scores


def _randomcutforest(record: dict) -> list[dict]:
    sample = training_sample(record)
    scores = served_scores(record, sample) if sample is not None and len(sample) else None
    if scores is None:
        return []
    cut = float(scores.mean() + 3 * scores.std())
    return [{"title": "Anomaly scores",
             "caption": f"Scores of {len(scores)} training records; the dashed line is the mean "
                        f"plus three standard deviations, above which a score is commonly called "
                        f"an anomaly ({int((scores > cut).sum())} records).",
             "svg": svg.histogram("Random cut forest score histogram", scores,
                                  x_label="score", markers={"mean + 3 sd": cut})}]
