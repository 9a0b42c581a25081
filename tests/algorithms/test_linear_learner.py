"""Linear Learner: learned quality against scikit-learn, selection, errors, log lines, artifact."""

import io
import json
import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from linear_learner_helpers import predict_labels, raw_scores, train
from smemu.algorithms import get_algorithm
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.linear_learner import selection
from smemu.formats import load_ndarrays
from smemu.formats.mxnet_checkpoint import read_module_zip, write_module_zip

SMALL_DATA = {"mini_batch_size": "32", "epochs": "50"}


def split(loader, seed=0):
    X, y = loader(return_X_y=True)
    return train_test_split(X.astype(np.float32), y.astype(np.float32), test_size=0.3,
                            random_state=seed)


def logistic_reference(Xtr, ytr, Xte, yte):
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(Xtr, ytr) \
        .score(Xte, yte)


# quality on known data ---------------------------------------------------------------------------
def test_breast_cancer_accuracy_matches_logistic_regression():
    Xtr, Xte, ytr, yte = split(load_breast_cancer)
    art, _ = train(dict(SMALL_DATA, predictor_type="binary_classifier"), train=(Xtr, ytr))
    ours = float((predict_labels(art, Xte) == yte).mean())
    # 171 test records: one record is 0.6 points
    assert ours >= logistic_reference(Xtr, ytr, Xte, yte) - 0.012


def test_digits_accuracy_matches_logistic_regression():
    Xtr, Xte, ytr, yte = split(load_digits)
    art, _ = train(dict(SMALL_DATA, predictor_type="multiclass_classifier", num_classes="10",
                        num_models="8"), train=(Xtr, ytr))
    assert art.arrays["arg:fc0_weight"].shape == (64, 10)
    ours = float((predict_labels(art, Xte) == yte).mean())
    assert ours >= logistic_reference(Xtr, ytr, Xte, yte) - 0.012


def test_diabetes_r2_matches_linear_regression():
    Xtr, Xte, ytr, yte = split(load_diabetes)
    art, _ = train(dict(SMALL_DATA, predictor_type="regressor"), train=(Xtr, ytr))
    ours = r2_score(yte, predict_labels(art, Xte))
    assert ours >= LinearRegression().fit(Xtr, ytr).score(Xte, yte) - 0.01


def test_regressor_recovers_known_weights_in_label_units():
    rng = np.random.default_rng(1)
    X = rng.normal(5.0, [1.0, 10.0, 0.1, 3.0], size=(4000, 4)).astype(np.float32)
    w = np.array([2.0, -0.5, 30.0, 1.5])
    y = (X @ w + 100.0 + rng.normal(0, 0.1, 4000)).astype(np.float32)
    art, _ = train({"predictor_type": "regressor", "mini_batch_size": "100", "epochs": "30"},
                   train=(X, y))
    np.testing.assert_allclose(art.arrays["arg:fc0_weight"][:, 0], w, rtol=0.02, atol=0.02)
    assert abs(float(art.arrays["arg:fc0_bias"][0, 0]) - 100.0) < 2.0


def synthetic_binary(n=3000, d=50, density=0.1, seed=2):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed, dtype=np.float32)
    w = rng.normal(size=d)
    y = (X @ w + rng.normal(0, 0.05, n) > np.median(X @ w)).astype(np.float32)
    return X, y


def test_sparse_and_dense_input_train_the_same_model():
    X, y = synthetic_binary()
    hp = {"predictor_type": "binary_classifier", "mini_batch_size": "200", "epochs": "5",
          "num_models": "4"}
    sparse_art, _ = train(hp, train=(X, y))
    dense_art, _ = train(hp, train=(X.toarray(), y))
    np.testing.assert_allclose(sparse_art.arrays["arg:fc0_weight"],
                               dense_art.arrays["arg:fc0_weight"], rtol=1e-3, atol=1e-4)
    assert float((predict_labels(sparse_art, X) == y).mean()) > 0.9


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_every_optimizer_learns(optimizer):
    Xtr, Xte, ytr, yte = split(load_breast_cancer)
    art, log = train(dict(SMALL_DATA, predictor_type="binary_classifier", optimizer=optimizer,
                          num_models="4"), train=(Xtr, ytr))
    assert f'"optimizer": "{optimizer}"' in log.text
    assert float((predict_labels(art, Xte) == yte).mean()) > 0.93


@pytest.mark.parametrize("loss", ["squared_loss", "absolute_loss", "huber_loss",
                                  "eps_insensitive_squared_loss",
                                  "eps_insensitive_absolute_loss", "quantile_loss"])
def test_every_regression_loss_fits_a_line(loss):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 3)).astype(np.float32)
    y = (X @ np.array([1.0, 2.0, -1.0]) + 4.0 + rng.normal(0, 0.05, 2000)).astype(np.float32)
    art, log = train({"predictor_type": "regressor", "loss": loss, "mini_batch_size": "50",
                      "epochs": "20", "num_models": "4"}, train=(X, y))
    assert r2_score(y, predict_labels(art, X)) > 0.98
    objective = {"squared_loss": "mse"}.get(loss, loss) + "_objective"
    assert f"train {objective} <loss>=" in log.text


def test_quantile_loss_puts_predictions_above_most_labels():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(4000, 2)).astype(np.float32)
    y = (X @ np.array([1.0, 1.0]) + rng.normal(0, 1.0, 4000)).astype(np.float32)
    art, _ = train({"predictor_type": "regressor", "loss": "quantile_loss", "quantile": "0.9",
                    "mini_batch_size": "50", "epochs": "20"}, train=(X, y))
    below = float((y <= predict_labels(art, X)).mean())
    assert 0.85 < below < 0.95


def test_hinge_loss_classifies_and_outputs_raw_scores():
    Xtr, Xte, ytr, yte = split(load_breast_cancer)
    art, _ = train(dict(SMALL_DATA, predictor_type="binary_classifier", loss="hinge_loss",
                        num_models="4"), train=(Xtr, ytr))
    assert art.symbol["nodes"][-1]["op"] == "LinearRegressionOutput"  # raw scores
    assert art.manifest["metrics_params"]["margin"] == 1.0
    assert float((predict_labels(art, Xte) == yte).mean()) > 0.93


# selection and calibration -----------------------------------------------------------------------
def test_calibrate_finds_the_best_threshold_per_model():
    rng = np.random.default_rng(5)
    scores = rng.normal(size=(300, 3))
    labels = (rng.uniform(size=300) < 0.4).astype(float)
    values, thresholds = selection.calibrate(scores, labels, "accuracy")
    for m in range(3):
        brute = max(((scores[:, m] >= t) == labels).mean() for t in np.append(scores[:, m], 99))
        assert values[m] == pytest.approx(brute)
        assert ((scores[:, m] >= thresholds[m]) == labels).mean() == pytest.approx(brute)


def test_precision_at_target_recall_holds_the_recall():
    X, y = synthetic_binary(seed=6)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, random_state=0)
    art, log = train({"predictor_type": "binary_classifier", "mini_batch_size": "100",
                      "epochs": "5", "num_models": "4", "target_recall": "0.95",
                      "binary_classifier_model_selection_criteria": "precision_at_target_recall"},
                     train=(Xtr, ytr), validation=(Xva, yva))
    pred = predict_labels(art, Xva)
    assert (pred[yva == 1] == 1).mean() >= 0.95
    assert "criteria=sampled_precision_at_target_recall" in log.text


def test_balanced_positive_weight_raises_recall_on_rare_positives():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6000, 5)).astype(np.float32)
    y = (X[:, 0] + rng.normal(0, 1.0, 6000) > 2.2).astype(np.float32)  # ~6% positives
    hp = {"predictor_type": "binary_classifier", "mini_batch_size": "100", "epochs": "5",
          "num_models": "1", "binary_classifier_model_selection_criteria": "loss_function"}
    plain, _ = train(hp, train=(X, y))
    balanced, _ = train(dict(hp, positive_example_weight_mult="balanced"), train=(X, y))
    recall = lambda art: (predict_labels(art, X)[y == 1] == 1).mean()  # noqa: E731
    assert recall(balanced) > recall(plain) + 0.2


def test_models_differ_and_the_best_on_validation_is_kept():
    Xtr, Xte, ytr, yte = split(load_diabetes)
    Xtr, Xva, ytr, yva = train_test_split(Xtr, ytr, test_size=0.25, random_state=0)
    art, log = train(dict(SMALL_DATA, predictor_type="regressor", num_models="6"),
                     train=(Xtr, ytr), validation=(Xva, yva))
    per_model = re.findall(r'"model": (\d+)}, "Metrics": \{"validation_mse_objective": '
                           r'\{"sum": ([^,]+)', log.text)
    last = {int(m): float(v) for m, v in per_model[-6:]}
    assert len(set(last.values())) == 6  # six different models
    # the kept model is the best any model reached on validation in any epoch
    best_seen = min(float(v) for _, v in per_model)
    final = float(re.search(r"validation mse <loss>=(\S+)", log.text).group(1))
    assert final == pytest.approx(best_seen, rel=1e-4)
    assert final == pytest.approx(float(((predict_labels(art, Xva) - yva) ** 2).mean()), rel=1e-4)


def test_early_stopping_on_validation():
    Xtr, Xte, ytr, yte = split(load_diabetes)
    art, log = train({"predictor_type": "regressor", "mini_batch_size": "16", "epochs": "200",
                      "early_stopping_patience": "2", "num_models": "2"},
                     train=(Xtr, ytr), validation=(Xte, yte))
    assert "Early stopping." in log.text
    assert "epoch=199," not in log.text


def test_tuning_switches_the_model_search_off():
    Xtr, _, ytr, _ = split(load_diabetes)
    _, log = train({"predictor_type": "regressor", "epochs": "1",
                    "_tuning_objective_metric": "validation:mse"}, train=(Xtr, ytr))
    assert '"model": 0' in log.text and '"model": 1' not in log.text


# hyperparameter and data errors ------------------------------------------------------------------
SCHEMA = get_algorithm("linear-learner").schema


@pytest.mark.parametrize("given, words", [
    ({}, ["No value(s) were specified for 'predictor_type'"]),
    ({"predictor_type": "regressor", "loss": "logistic"}, ["loss='logistic'", "regressor"]),
    ({"predictor_type": "binary_classifier", "loss": "squared_loss"},
     ["loss='squared_loss'", "binary_classifier"]),
    ({"predictor_type": "multiclass_classifier"}, ["num_classes", "multiclass_classifier"]),
    ({"predictor_type": "regressor", "positive_example_weight_mult": "3"},
     ["positive_example_weight_mult", "regressor"]),
    ({"predictor_type": "regressor", "binary_classifier_model_selection_criteria": "f_beta"},
     ["binary_classifier_model_selection_criteria", "regressor"]),
    ({"predictor_type": "regressor", "optimizer": "adagrad"}, ["'optimizer'", "'adam'"]),
    ({"predictor_type": "regressor", "mini_batch_siz": "10"},
     ["Additional properties are not allowed ('mini_batch_siz' was unexpected)",
      "mini_batch_size"]),
    ({"predictor_type": "regressor", "quantile": "1.0"}, ["'quantile'", "(0, 1)"]),
    ({"predictor_type": "regressor", "learning_rate": "0.001", "lr_scheduler_minimum_lr": "0.1"},
     ["lr_scheduler_minimum_lr", "learning_rate"]),
])
def test_bad_hyperparameters_name_what_is_wrong(given, words):
    with pytest.raises(HyperparameterError) as err:
        SCHEMA.resolve(given)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("kind", ["binary_classifier", "regressor"])
def test_num_classes_is_ignored_unless_multiclass_as_documented(kind):
    Xtr, _, ytr, _ = split(load_breast_cancer)
    art, log = train({"predictor_type": kind, "num_classes": "5", "epochs": "1",
                      "num_models": "2"}, train=(Xtr, ytr))
    assert (f"num_classes=5 is ignored: it is used only when predictor_type is "
            f"multiclass_classifier (predictor_type is {kind}).") in log.lines
    assert art.arrays["arg:fc0_weight"].shape == (30, 1)
    _, quiet = train({"predictor_type": kind, "epochs": "1", "num_models": "2"},
                     train=(Xtr, ytr))
    assert "is ignored" not in quiet.text


def test_defaults_are_the_real_containers_and_sdk_strings_parse():
    defaults = SCHEMA.defaults()
    assert defaults["mini_batch_size"] == "1000" and defaults["epochs"] == "15"
    assert defaults["num_calibration_samples"] == "10000000" and defaults["loss"] == "auto"
    config = SCHEMA.resolve({"predictor_type": "binary_classifier", "use_bias": "True",
                             "positive_example_weight_mult": "balanced", "_kvstore": "dist_sync"})
    assert config["use_bias"] is True and config["positive_example_weight_mult"] == "balanced"


@pytest.mark.parametrize("hp, label, words", [
    ({"predictor_type": "binary_classifier"}, 2.0, ["label 2.0", "0 or 1"]),
    ({"predictor_type": "binary_classifier"}, -1.0, ["label -1.0", "0 or 1"]),
    ({"predictor_type": "multiclass_classifier", "num_classes": "3"}, 3.0,
     ["label 3.0", "0 to 2", "num_classes=3"]),
    ({"predictor_type": "multiclass_classifier", "num_classes": "3"}, 1.5, ["label 1.5"]),
    ({"predictor_type": "regressor"}, float("nan"), ["label nan", "finite"]),
])
def test_bad_label_is_a_client_error_naming_the_record(hp, label, words):
    X = np.ones((50, 2), dtype=np.float32)
    y = np.zeros(50, dtype=np.float32)
    y[37] = label
    with pytest.raises(DataError) as err:
        train(dict(hp, mini_batch_size="10"), train=(X, y))
    message = str(err.value)
    assert "record 37 of file train/part-0.pbr" in message and "Channel 'train'" in message
    for word in words:
        assert word in message


def test_bad_validation_label_names_the_validation_channel():
    X = np.ones((20, 2), dtype=np.float32)
    good = np.zeros(20, dtype=np.float32)
    bad = good.copy()
    bad[4] = 7
    with pytest.raises(DataError, match=r"Channel 'validation'.*record 4"):
        train({"predictor_type": "binary_classifier", "epochs": "1"}, train=(X, good),
              validation=(X, bad))


def test_missing_labels_and_wrong_width_are_client_errors():
    X = np.ones((20, 3), dtype=np.float32)
    with pytest.raises(DataError, match="has no labels"):
        train({"predictor_type": "regressor"}, train=(X, None))
    with pytest.raises(DataError, match=r"feature_dim hyperparameter \(4\)"):
        train({"predictor_type": "regressor", "feature_dim": "4"}, train=(X, np.zeros(20)))


# log lines ---------------------------------------------------------------------------------------
# The service's built-in MetricDefinitions for linear-learner (what DescribeTrainingJob lists in
# AlgorithmSpecification.MetricDefinitions for a linear-learner job)
METRIC_REGEXES = {
    "train:objective_loss": r"#quality_metric: host=\S+, epoch=\S+, train \S+_objective <loss>=(\S+)",
    "validation:objective_loss": r"#quality_metric: host=\S+, epoch=\S+, validation \S+_objective <loss>=(\S+)",
    "validation:objective_loss:final": r"#quality_metric: host=\S+, validation \S+_objective <loss>=(\S+)",
    "test:objective_loss": r"#quality_metric: host=\S+, test \S+_objective <loss>=(\S+)",
    "train:progress": r"#progress_metric: host=\S+, completed (\S+) %",
    "train:throughput": r"#throughput_metric: host=\S+, train throughput=(\S+) records/second",
}
TRAIN_FINAL = r"#quality_metric: host=\S+, train \S+_objective <loss>=(\S+)"
BINARY_REGEXES = {
    "test:binary_classification_accuracy": r"#quality_metric: host=\S+, test binary_classification_accuracy <score>=(\S+)",
    "test:binary_f_beta": r"#quality_metric: host=\S+, test binary_f_\S+ <score>=(\S+)",
    "test:precision": r"#quality_metric: host=\S+, test precision <score>=(\S+)",
    "test:recall": r"#quality_metric: host=\S+, test recall <score>=(\S+)",
    "validation:binary_classification_accuracy": r"#quality_metric: host=\S+, validation binary_classification_accuracy <score>=(\S+)",
}
MULTICLASS_REGEXES = {
    "test:multiclass_accuracy": r"#quality_metric: host=\S+, test multiclass_accuracy <score>=(\S+)",
    "test:macro_f_beta": r"#quality_metric: host=\S+, test macro_f_\S+ <score>=(\S+)",
    "test:multiclass_top_k_accuracy": r"#quality_metric: host=\S+, test multiclass_top_k_accuracy_\S+ <score>=(\S+)",
    "test:dcg": r"#quality_metric: host=\S+, test dcg <score>=(\S+)",
    "validation:macro_recall": r"#quality_metric: host=\S+, validation macro_recall <score>=(\S+)",
}
REGRESSION_REGEXES = {
    "test:mse": r"#quality_metric: host=\S+, test mse <loss>=(\S+)",
    "test:absolute_loss": r"#quality_metric: host=\S+, test absolute_loss <loss>=(\S+)",
    "validation:mse": r"#quality_metric: host=\S+, validation mse <loss>=(\S+)",
}


@pytest.mark.parametrize("loader, hp, extra", [
    (load_breast_cancer, {"predictor_type": "binary_classifier"}, BINARY_REGEXES),
    (load_digits, {"predictor_type": "multiclass_classifier", "num_classes": "10"},
     MULTICLASS_REGEXES),
    (load_diabetes, {"predictor_type": "regressor"}, REGRESSION_REGEXES),
])
def test_metric_definitions_find_their_lines(loader, hp, extra):
    Xtr, Xte, ytr, yte = split(loader)
    art, log = train(dict(hp, epochs="2", num_models="2", mini_batch_size="200"),
                     train=(Xtr, ytr), validation=(Xte, yte), test=(Xte, yte))
    for name, regex in {**METRIC_REGEXES, **extra}.items():
        values = [float(v) for v in re.findall(regex, log.text)]
        assert values and all(np.isfinite(values)), name
    # with a validation channel the real job prints no final train objective line
    assert re.findall(TRAIN_FINAL, log.text) == []
    # the final validation score of the chosen model is what the test metrics recompute
    kind = hp["predictor_type"]
    if kind == "multiclass_classifier":
        accuracy = float(re.search(r"test multiclass_accuracy <score>=(\S+)", log.text).group(1))
        assert accuracy == pytest.approx(float((predict_labels(art, Xte) == yte).mean()))
    elif kind == "regressor":
        mse = float(re.search(r"test mse <loss>=(\S+)", log.text).group(1))
        assert mse == pytest.approx(float(((predict_labels(art, Xte) - yte) ** 2).mean()),
                                    rel=1e-4)
    else:
        accuracy = float(re.search(r"test binary_classification_accuracy <score>=(\S+)",
                                   log.text).group(1))
        assert accuracy == pytest.approx(float((predict_labels(art, Xte) == yte).mean()))
    assert "#test_score (algo-1) : (" in log.text
    assert "Scaling model computed with parameters: {'stdev_weight': <NDArray" in log.text


@pytest.mark.parametrize("loader, hp, names", [
    (load_breast_cancer, {"predictor_type": "binary_classifier"},
     ("binary_classification_accuracy", "precision", "recall")),
    (load_diabetes, {"predictor_type": "regressor"}, ("mse", "absolute_loss")),
])
def test_without_validation_the_chosen_model_is_scored_on_train(loader, hp, names):
    Xtr, _, ytr, _ = split(loader)
    art, log = train(dict(hp, epochs="3", num_models="4"), train=(Xtr, ytr))
    final = [float(v) for v in re.findall(TRAIN_FINAL, log.text)]
    assert len(final) == 1          # train:objective_loss:final, the chosen model's train score
    assert f"#train_score (algo-1) : ('{names[0]}', " in log.text
    for name in names:
        assert re.search(rf"#quality_metric: host=\S+, train {name} <\w+>=(\S+)", log.text), name
    if hp["predictor_type"] == "regressor":
        mse = float(re.search(r"train mse <loss>=(\S+)", log.text).group(1))
        assert mse == pytest.approx(float(((predict_labels(art, Xtr) - ytr) ** 2).mean()),
                                    rel=1e-4)
        assert final[0] == pytest.approx(mse, rel=1e-6)   # mse_objective is the mse
    else:
        accuracy = float(re.search(r"train binary_classification_accuracy <score>=(\S+)",
                                   log.text).group(1))
        assert accuracy == pytest.approx(float((predict_labels(art, Xtr) == ytr).mean()))


def test_a_regressors_epoch_train_objective_is_on_the_normalised_label_scale():
    # as in the real logs (about 1 at epoch 0 while validation is in label units)
    Xtr, Xva, ytr, yva = split(load_diabetes)
    _, log = train({"predictor_type": "regressor", "epochs": "1", "num_models": "1"},
                   train=(Xtr, ytr), validation=(Xva, yva))
    train_epoch = float(re.search(r"epoch=0, train mse_objective <loss>=(\S+)", log.text).group(1))
    validation_epoch = float(re.search(r"epoch=0, validation mse_objective <loss>=(\S+)",
                                       log.text).group(1))
    assert 0.3 < train_epoch < 1.5                        # the label's variance is 1 there
    assert validation_epoch > 1000                        # diabetes labels vary by ~77
    assert train_epoch == pytest.approx(validation_epoch / ytr.std() ** 2, rel=0.5)


def test_each_epoch_prints_its_throughput_and_checkpoint():
    Xtr, _, ytr, _ = split(load_breast_cancer)
    _, log = train({"predictor_type": "binary_classifier", "epochs": "3", "num_models": "2",
                    "early_stopping_patience": "5"}, train=(Xtr, ytr))
    assert len(re.findall(r"#throughput_metric: host=algo-1, train throughput=\S+ records/second",
                          log.text)) == 3
    saved = re.findall(r'Saved checkpoint to "(\S+)"', log.text)
    saving = re.findall(r"Saving model for epoch: (\d+)", log.text)
    assert saved and len(saved) == len(saving)
    assert re.fullmatch(r"/\S+/tmp[a-z0-9_]{8}/mx-mod-0000\.params", saved[0])


def test_no_test_channel_says_so_and_binary_uses_sampled_accuracy():
    Xtr, _, ytr, _ = split(load_breast_cancer)
    _, log = train({"predictor_type": "binary_classifier", "epochs": "1"}, train=(Xtr, ytr))
    assert "Test data is not provided." in log.lines
    assert "#progress_metric: host=algo-1, completed 100 % of epochs" in log.lines
    assert "criteria=sampled_accuracy" in log.text
    assert '"Algorithm": "Linear Learner"' in log.text and '"model": 31' in log.text


# the artifact ------------------------------------------------------------------------------------
@pytest.mark.parametrize("hp, shape, op", [
    ({"predictor_type": "binary_classifier"}, (30, 1), "LogisticRegressionOutput"),
    ({"predictor_type": "regressor"}, (30, 1), "LinearRegressionOutput"),
    ({"predictor_type": "multiclass_classifier", "num_classes": "3"}, (30, 3), "SoftmaxOutput"),
])
def test_artifact_zip_is_laid_out_as_the_real_one(tmp_path, hp, shape, op):
    X, y = load_breast_cancer(return_X_y=True)
    if hp["predictor_type"] == "multiclass_classifier":
        y = (X[:, 0] > 12).astype(float) + (X[:, 0] > 16)
    art, _ = train(dict(hp, epochs="1", num_models="2"), train=(X.astype(np.float32), y))
    assert art.layout == "mxnet-module"
    path = tmp_path / "model_algo-1"
    write_module_zip(path, art.symbol, art.arrays, art.manifest)
    import zipfile
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["mx-mod-0000.params", "mx-mod-symbol.json",
                                               "manifest.json", "additional-params.json"]
        assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}
        assert zf.read("manifest.json") == (
            b'{"additional-params.json": "json", "mx-mod": "mxnet_module", "version": 1}')
        additional = json.loads(zf.read("additional-params.json"))
        params = load_ndarrays(io.BytesIO(zf.read("mx-mod-0000.params")))
    assert list(additional) == ["threshold", "loss_type", "metrics_params", "predictor_type"]
    assert list(additional["metrics_params"]) == [
        "eps_insensitive_loss_type", "class_weights", "huber_delta", "quantile",
        "loss_insensitivity", "positive_example_weight_mult", "accuracy_top_k", "threshold",
        "f_beta", "margin"]
    assert additional["predictor_type"] == hp["predictor_type"]
    assert sorted(params) == ["arg:fc0_bias", "arg:fc0_weight"]
    assert params["arg:fc0_weight"].shape == shape and params["arg:fc0_bias"].shape == (1, shape[1])
    assert params["arg:fc0_weight"].dtype == np.float32
    assert [n["op"] for n in art.symbol["nodes"]] == [
        "null", "null", "dot", "null", "broadcast_add", "null", op]
    symbol, arrays, back = read_module_zip(path)
    assert symbol == art.symbol and back == art.manifest
    np.testing.assert_array_equal(arrays["arg:fc0_weight"], art.arrays["arg:fc0_weight"])
    # zips of the same model are byte-identical
    again = tmp_path / "again"
    write_module_zip(again, art.symbol, art.arrays, art.manifest)
    assert again.read_bytes() == path.read_bytes()


def test_a_default_regressor_writes_the_real_regressors_additional_params():
    Xtr, _, ytr, _ = split(load_diabetes)
    art, _ = train({"predictor_type": "regressor", "epochs": "1", "num_models": "2"},
                   train=(Xtr, ytr))
    # the file of a real regressor trained with the defaults, byte for byte
    assert json.dumps(art.manifest) == (
        '{"threshold": 0.5, "loss_type": "squared_loss", "metrics_params": '
        '{"eps_insensitive_loss_type": null, "class_weights": null, "huber_delta": null, '
        '"quantile": null, "loss_insensitivity": null, "positive_example_weight_mult": 1.0, '
        '"accuracy_top_k": 3, "threshold": 0.5, "f_beta": null, "margin": null}, '
        '"predictor_type": "regressor"}')


def test_binary_threshold_is_stored_on_the_output_scale():
    Xtr, Xte, ytr, yte = split(load_breast_cancer)
    art, _ = train(dict(SMALL_DATA, predictor_type="binary_classifier", num_models="2"),
                   train=(Xtr, ytr))
    threshold = art.manifest["threshold"]
    assert 0.0 < threshold < 1.0 and threshold == art.manifest["metrics_params"]["threshold"]
    probability = 1 / (1 + np.exp(-raw_scores(art, Xte)[:, 0]))
    assert ((probability >= threshold) == predict_labels(art, Xte)).all()


def test_read_module_zip_rejects_other_files(tmp_path):
    from smemu.formats import FormatError
    path = tmp_path / "model_algo-1"
    path.write_bytes(b"\x12\x01\x00\x00" + b"\x00" * 20)
    with pytest.raises(FormatError, match="not a zip file"):
        read_module_zip(path)


def test_auto_num_models_shrinks_for_wide_multiclass_models(monkeypatch):
    from smemu.algorithms.linear_learner import training
    monkeypatch.setattr(training, "MAX_AUTO_PARAMETERS", 64 * 10 * 5)
    Xtr, _, ytr, _ = split(load_digits)
    art, log = train({"predictor_type": "multiclass_classifier", "num_classes": "10",
                      "epochs": "1"}, train=(Xtr, ytr))
    assert '"model": 4' in log.text and '"model": 5' not in log.text


def test_an_empty_test_channel_is_a_client_error():
    Xtr, _, ytr, _ = split(load_diabetes)
    with pytest.raises(DataError, match="Channel 'test' holds no records"):
        train({"predictor_type": "regressor", "epochs": "1"}, train=(Xtr, ytr),
              test=(Xtr[:0], ytr[:0]))


def test_an_unreachable_target_precision_falls_back_to_accuracy():
    X = np.ones((600, 3), dtype=np.float32)  # every record scores the same
    y = (np.arange(600) % 3 == 0).astype(np.float32)   # a third positive: precision is 1/3 at best
    art, log = train({"predictor_type": "binary_classifier", "epochs": "2", "num_models": "2",
                      "binary_classifier_model_selection_criteria": "recall_at_target_precision",
                      "target_precision": "0.99"}, train=(X, y))
    assert "No threshold reaches the target of recall_at_target_precision" in log.text
    assert (predict_labels(art, X) == 0).all()  # the best accuracy: predict the majority class


def test_scaler_options_are_folded_into_the_raw_feature_model():
    Xtr, Xte, ytr, yte = split(load_diabetes)
    art, log = train(dict(SMALL_DATA, predictor_type="regressor", num_models="2"),
                     train=(Xtr, ytr))
    assert "'stdev_label': <NDArray 1 @cpu(0)>, 'mean_label': <NDArray 1 @cpu(0)>" in log.text
    plain, plain_log = train(dict(SMALL_DATA, predictor_type="regressor", num_models="2",
                                  normalize_data="false", normalize_label="false",
                                  unbias_data="false", unbias_label="false"), train=(Xtr, ytr))
    assert "'stdev_label': None, 'mean_label': None" in plain_log.text
    # the model holds no statistics (as the real one): both act on raw features, in label units
    assert sorted(art.arrays) == sorted(plain.arrays) == ["arg:fc0_bias", "arg:fc0_weight"]
    assert r2_score(yte, predict_labels(art, Xte)) > 0.3


def test_use_bias_false_gives_a_model_through_the_origin():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(2000, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) + 5.0).astype(np.float32)
    art, _ = train({"predictor_type": "regressor", "use_bias": "False", "mini_batch_size": "100",
                    "epochs": "10", "num_models": "2"}, train=(X, y))
    assert float(art.arrays["arg:fc0_bias"][0, 0]) == 0.0
