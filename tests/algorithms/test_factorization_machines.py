"""Factorization Machines: the arithmetic against a direct evaluation of the formula, gradients
against finite differences, quality against scikit-learn's linear models on data only pairwise
interactions explain, the artifact read back, and the real algorithm's input rules."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LinearRegression, LogisticRegression

from fm_reference import fm_direct
from training_helpers import invoke, train_algorithm
from smemu.algorithms.base import ModelArtifact
from smemu.algorithms.channel_config import content_type_problem
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.factorization_machines.model import FMParams, as_csr, forward, gradients
from smemu.algorithms.factorization_machines.sample import interaction_data
from smemu.algorithms.registry import get_descriptor
from smemu.containers.invocations import InvocationsApp
from smemu.formats import write_recordio_protobuf
from smemu.formats.mxnet_checkpoint import read_module_zip, write_module_zip

NAME = "factorization-machines"


def train(hp: dict, **data):
    return train_algorithm(NAME, hp, **data)


def random_params(rng, d, k):
    return FMParams(rng.normal(size=1).astype(np.float32),
                    rng.normal(size=(d, 1)).astype(np.float32),
                    rng.normal(size=(d, k)).astype(np.float32))


def test_forward_matches_the_pairwise_formula_on_sparse_and_dense_batches():
    rng = np.random.default_rng(1)
    X = sp.random(30, 12, density=0.3, format="csr", random_state=2, dtype=np.float32)
    params = random_params(rng, 12, 4)
    expected = fm_direct(params.w0, params.w1, params.v, X)
    np.testing.assert_allclose(forward(params, as_csr(X))[0], expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(forward(params, as_csr(X.toarray()))[0], expected, rtol=1e-4,
                               atol=1e-4)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    X = as_csr(sp.random(8, 6, density=0.5, format="csr", random_state=4, dtype=np.float32))
    params = random_params(rng, 6, 3)
    params = FMParams(params.w0.astype(np.float64), params.w1.astype(np.float64),
                      params.v.astype(np.float64))
    g = rng.normal(size=8)

    def objective(p):
        return float(g @ forward(p, X)[0])  # Σ_r g_r ŷ_r: its gradient is what gradients() sums

    raw, xv = forward(params, X)
    grads = gradients(params, X, xv, g)
    eps = 1e-6
    for name, analytic in (("w1", grads.w1), ("v", grads.v)):
        array = getattr(params, name)
        for slot, col in enumerate(grads.columns):
            for f in range(array.shape[1]):
                saved = array[col, f]
                array[col, f] = saved + eps
                up = objective(params)
                array[col, f] = saved - eps
                down = objective(params)
                array[col, f] = saved
                numeric = (up - down) / (2 * eps)
                got = analytic[slot] if name == "w1" else analytic[slot, f]
                assert got == pytest.approx(numeric, rel=1e-5, abs=1e-6)
    untouched = np.setdiff1d(np.arange(6), grads.columns)
    assert all(X[:, c].nnz == 0 for c in untouched)
    assert grads.w0[0] == pytest.approx(g.sum())


HP = {"feature_dim": "40", "num_factors": "8", "epochs": "30", "mini_batch_size": "50",
      "factors_lr": "0.05", "linear_lr": "0.05", "bias_lr": "0.05", "factors_init_sigma": "0.1"}


def test_binary_classifier_beats_logistic_regression_on_interaction_data():
    rng = np.random.default_rng(5)
    X, y = interaction_data(rng, rows=3000)
    Xtr, ytr, Xte, yte = X[:2400], y[:2400], X[2400:], y[2400:]
    art, log = train(dict(HP, predictor_type="binary_classifier"), train=(Xtr, ytr),
                     test=(Xte, yte))
    model = get_descriptor(NAME).load_predictor(art)
    fm_accuracy = float((model.predict(Xte)["predicted_label"] == yte).mean())
    linear = LogisticRegression(max_iter=2000).fit(Xtr, ytr)
    linear_accuracy = float((linear.predict(Xte) == yte).mean())
    assert fm_accuracy > linear_accuracy + 0.1, (fm_accuracy, linear_accuracy)
    assert fm_accuracy > 0.8
    # the test channel's scores are printed as the real algorithm prints them
    logged = float(re.search(r"#test_score \(algo-1\) : \('binary_classification_accuracy', "
                             r"(\S+)\)", log.text).group(1))
    assert logged == pytest.approx(fm_accuracy, abs=1e-9)
    assert "#quality_metric: host=algo-1, test binary_f_1.000 <score>=" in log.text
    assert "#quality_metric: host=algo-1, epoch=0, batch=0 train binary_classification_accuracy" \
        in log.text
    assert "#quality_metric: host=algo-1, epoch=29, train binary_classification_cross_entropy" \
        in log.text


def test_regressor_beats_linear_regression_and_reports_rmse():
    rng = np.random.default_rng(6)
    X, _ = interaction_data(rng, rows=3000)
    cols = X.indices.reshape(-1, 2)
    a, b = rng.normal(size=(20, 2)), rng.normal(size=(20, 2))
    y = (a[cols[:, 0]] * b[cols[:, 1] - 20]).sum(axis=1).astype(np.float32)
    Xtr, ytr, Xte, yte = X[:2400], y[:2400], X[2400:], y[2400:]
    art, log = train(dict(HP, predictor_type="regressor"), train=(Xtr, ytr), test=(Xte, yte))
    model = get_descriptor(NAME).load_predictor(art)
    fm_rmse = float(np.sqrt(np.mean((model.predict(Xte)["score"] - yte) ** 2)))
    lin_rmse = float(np.sqrt(np.mean((LinearRegression().fit(Xtr, ytr).predict(Xte) - yte) ** 2)))
    assert fm_rmse < 0.7 * lin_rmse, (fm_rmse, lin_rmse)
    logged = float(re.search(r"#test_score \(algo-1\) : \('rmse', (\S+)\)", log.text).group(1))
    assert logged == pytest.approx(fm_rmse, rel=1e-4)
    assert "#quality_metric: host=algo-1, test rmse <loss>=" in log.text


def test_saved_model_predicts_what_the_formula_gives_for_its_params(tmp_path):
    rng = np.random.default_rng(7)
    X, y = interaction_data(rng, rows=400)
    art, _ = train(dict(HP, predictor_type="binary_classifier", epochs="3"), train=(X, y))
    path = tmp_path / "model_algo-1"
    write_module_zip(path, art.symbol, art.arrays, art.manifest, style=art.checkpoint_style)
    import zipfile
    assert sorted(zipfile.ZipFile(path).namelist()) == ["meta.json", "params", "symbol.json"]
    symbol, arrays, meta = read_module_zip(path)
    assert sorted(arrays) == ["arg:v", "arg:w0_weight", "arg:w1_weight"]
    assert arrays["arg:w0_weight"].shape == (1,)
    assert arrays["arg:w1_weight"].shape == (40, 1)
    assert arrays["arg:v"].shape == (40, 8)
    assert meta["training_parameters"]["predictor_type"] == "binary_classifier"
    model = get_descriptor(NAME).load_predictor(
        ModelArtifact(arrays=arrays, layout="mxnet-module", symbol=symbol, manifest=meta))
    raw = fm_direct(arrays["arg:w0_weight"], arrays["arg:w1_weight"], arrays["arg:v"], X[:50])
    out = model.predict(X[:50])
    np.testing.assert_allclose(out["score"], 1 / (1 + np.exp(-raw)), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out["predicted_label"], (raw >= 0).astype(np.float32))


def test_csv_channels_get_the_no_iterator_client_error():
    problem = content_type_problem("train", "text/csv", get_descriptor(NAME))
    assert problem is not None
    assert "No iterator has been registered for ContentType ('text/csv', '1.0')" in str(problem)
    assert content_type_problem("train", "application/x-recordio-protobuf",
                                get_descriptor(NAME)) is None


def test_float64_records_are_refused_with_the_record_named():
    X, y = interaction_data(np.random.default_rng(8), rows=20)
    with pytest.raises(DataError, match=r"Float64 feature tensors \(at record 0 of file "
                                        r"train/part-0.pbr\).*Float32 tensors only"):
        train(dict(HP, predictor_type="binary_classifier"), train=(X.astype(np.float64), y))


def test_binary_labels_must_be_0_or_1():
    X, y = interaction_data(np.random.default_rng(9), rows=20)
    y[3] = 2.0
    with pytest.raises(DataError, match="label 2.0 at record 3"):
        train(dict(HP, predictor_type="binary_classifier"), train=(X, y))


def test_schema_defaults_and_errors():
    schema = get_descriptor(NAME).schema
    defaults = schema.defaults()
    assert defaults["epochs"] == "1" and defaults["mini_batch_size"] == "1000"
    assert (defaults["bias_lr"], defaults["bias_wd"], defaults["bias_init_sigma"]) == \
        ("0.1", "0.01", "0.01")
    assert (defaults["linear_lr"], defaults["linear_wd"]) == ("0.001", "0.001")
    assert (defaults["factors_lr"], defaults["factors_wd"], defaults["factors_init_sigma"]) == \
        ("0.0001", "0.00001", "0.001")
    for absent in ("clip_gradient", "eps", "rescale_grad", "bias_init_scale", "linear_init_value"):
        assert absent not in defaults
    with pytest.raises(HyperparameterError, match="'feature_dim', 'num_factors', 'predictor_type'"):
        schema.resolve({})
    with pytest.raises(HyperparameterError, match="factors_init_method='uniform' needs "
                                                  "factors_init_scale"):
        schema.resolve({"feature_dim": "3", "num_factors": "2", "predictor_type": "regressor",
                        "factors_init_method": "uniform"})
    with pytest.raises(HyperparameterError, match="predictor_type"):
        schema.resolve({"feature_dim": "3", "num_factors": "2",
                        "predictor_type": "multiclass_classifier"})


def test_sparse_training_touches_only_the_columns_it_sees():
    """Rows of w1 and v for features no record holds keep their initial values (no densifying)."""
    X, y = interaction_data(np.random.default_rng(10), rows=300)
    X = sp.hstack([X, sp.csr_matrix((300, 1000), dtype=np.float32)], format="csr")
    hp = dict(HP, predictor_type="binary_classifier", feature_dim="1040", epochs="2")
    art, _ = train(hp, train=(X, y))
    from smemu.algorithms.factorization_machines.optimizer import initial_params
    init = initial_params(get_descriptor(NAME).schema.resolve(hp), np.random.default_rng(0))
    np.testing.assert_array_equal(art.arrays["arg:v"][40:], init.v[40:])
    assert not np.array_equal(art.arrays["arg:v"][:40], init.v[:40])


def test_serves_json_and_recordio_but_not_csv():
    X, y = interaction_data(np.random.default_rng(11), rows=300)
    art, _ = train(dict(HP, predictor_type="binary_classifier", epochs="2"), train=(X, y))
    model = get_descriptor(NAME).load_predictor(art)
    app = InvocationsApp(model, NAME)
    expected = model.predict(X[:3])
    rows = X[:3].toarray().tolist()
    status, body = invoke(app, json.dumps({"instances": [{"features": r} for r in rows]}).encode(),
                          "application/json")
    assert status == 200
    assert json.loads(body) == {"predictions": [
        {"score": float(s), "predicted_label": float(p)}
        for s, p in zip(expected["score"], expected["predicted_label"])]}
    buffer = io.BytesIO()
    write_recordio_protobuf(buffer, X[:3])
    status, body = invoke(app, buffer.getvalue(), "application/x-recordio-protobuf",
                          "application/jsonlines")
    assert status == 200
    assert [json.loads(line)["score"] for line in body.splitlines()] == \
        expected["score"].astype(float).tolist()
    status, body = invoke(app, b"1,0,0", "text/csv")
    assert status == 415 and b"Send one of: application/json" in body


def test_initialisation_methods_follow_their_parameters():
    from smemu.algorithms.factorization_machines.optimizer import initial_params
    config = get_descriptor(NAME).schema.resolve({
        "feature_dim": "2000", "num_factors": "5", "predictor_type": "regressor",
        "bias_init_method": "constant", "bias_init_value": "0.25",
        "linear_init_method": "uniform", "linear_init_scale": "0.5",
        "factors_init_sigma": "0.2"})
    params = initial_params(config, np.random.default_rng(0))
    assert params.w0.tolist() == [0.25]
    assert params.w1.shape == (2000, 1) and params.w1.dtype == np.float32
    assert -0.5 <= params.w1.min() and params.w1.max() < 0.5
    assert params.w1.std() == pytest.approx(1 / np.sqrt(12), rel=0.1)      # U(-0.5, 0.5)
    assert params.v.shape == (2000, 5) and params.v.std() == pytest.approx(0.2, rel=0.05)
