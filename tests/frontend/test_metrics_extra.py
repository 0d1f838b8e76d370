"""The rest of Keras 3's metrics, kerax vs Keras 3 over weighted batches; their pure forms
under jit; configs; a user's stateful Metric subclass (add_variable / update_state / result /
reset_state) eagerly, jitted and inside fit()."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import kerax
from kerax.frontend import metrics

B, C = 8, 4


def _batch(kind, seed):
    r = np.random.default_rng(seed)
    weights = r.uniform(0, 2, size=B).astype("float32")
    labels = r.integers(0, C, size=B)
    probs = r.uniform(size=(B, C)).astype("float32")
    if kind == "binary":
        return (r.integers(0, 2, size=(B, 1)), r.uniform(size=(B, 1)).astype("float32")), weights
    if kind == "multilabel":
        return (r.integers(0, 2, size=(B, C)), probs), weights
    if kind == "one_hot":
        return (np.eye(C, dtype="float32")[labels], probs), weights
    if kind == "sparse":
        return (labels, probs), weights
    if kind == "classes":
        return (labels, r.integers(0, C, size=B)), weights
    if kind == "regression":
        return (r.normal(size=(B, C)).astype("float32"), r.normal(size=(B, C)).astype("float32")), weights
    if kind == "positive":
        return (r.uniform(0.1, 3, size=(B, C)).astype("float32"), r.uniform(0.1, 3, size=(B, C)).astype("float32")), weights
    if kind == "logits":
        return (r.integers(0, 2, size=(B, C)), r.normal(size=(B, C)).astype("float32") * 2), weights
    raise AssertionError(kind)


CASES = [
    ("TruePositives", {}, "binary"), ("FalsePositives", {"thresholds": [0.2, 0.7]}, "binary"),
    ("TrueNegatives", {}, "multilabel"), ("FalseNegatives", {"thresholds": 0.3}, "multilabel"),
    ("Precision", {}, "binary"), ("Precision", {"top_k": 2}, "multilabel"),
    ("Precision", {"class_id": 1, "thresholds": [0.3, 0.6]}, "multilabel"),
    ("Recall", {}, "multilabel"), ("Recall", {"top_k": 1, "class_id": 2}, "multilabel"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6, "num_thresholds": 50}, "multilabel"),
    ("PrecisionAtRecall", {"recall": 0.5, "class_id": 0}, "multilabel"),
    ("RecallAtPrecision", {"precision": 0.4}, "binary"),
    ("AUC", {}, "binary"), ("AUC", {"curve": "PR"}, "multilabel"),
    ("AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 20}, "multilabel"),
    ("AUC", {"curve": "PRGAIN", "summation_method": "minoring"}, "binary"),
    ("AUC", {"multi_label": True, "num_labels": C, "label_weights": [0.1, 0.2, 0.3, 0.4]}, "multilabel"),
    ("AUC", {"thresholds": [0.2, 0.5, 0.7], "from_logits": True}, "logits"),
    ("F1Score", {}, "one_hot"), ("F1Score", {"average": "macro", "threshold": 0.5}, "multilabel"),
    ("FBetaScore", {"average": "weighted", "beta": 2.0}, "one_hot"),
    ("FBetaScore", {"average": "micro", "beta": 0.5, "threshold": 0.4}, "multilabel"),
    ("R2Score", {}, "regression"), ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None, "num_regressors": 2}, "regression"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "classes"),
    ("MeanIoU", {"num_classes": C, "ignore_class": 1}, "classes"),
    ("BinaryIoU", {"threshold": 0.4}, "binary"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1, 3]}, "one_hot"),
    ("OneHotMeanIoU", {"num_classes": C}, "one_hot"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "multilabel"),
    ("CategoricalCrossentropy", {"from_logits": True}, "one_hot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("KLDivergence", {}, "one_hot"), ("Poisson", {}, "positive"),
    ("Hinge", {}, "multilabel"), ("SquaredHinge", {}, "multilabel"), ("CategoricalHinge", {}, "one_hot"),
    ("MeanAbsolutePercentageError", {}, "regression"), ("MeanSquaredLogarithmicError", {}, "positive"),
    ("LogCoshError", {}, "regression"), ("CosineSimilarity", {}, "regression"),
    ("PearsonCorrelation", {}, "regression"), ("ConcordanceCorrelation", {}, "regression"),
]


def _update_both(ours, theirs, kind):
    for seed in range(3):
        args, weights = _batch(kind, seed)
        sample_weight = None if seed == 1 else weights
        ours.update_state(*args, sample_weight=sample_weight)
        theirs.update_state(*args, sample_weight=sample_weight)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_matches_keras_over_weighted_batches(name, kwargs, kind):
    kwargs = {"name": "m", **kwargs}  # Keras numbers default names session-wide
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    _update_both(ours, theirs, kind)
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]
    for mine, keras_var in zip(ours.variables, theirs.variables):
        # Keras's bucketed counting (AUC) accumulates by a cumulative sum: ~1e-6 off from the exact count.
        np.testing.assert_allclose(mine.numpy(), np.asarray(keras_var.value), rtol=1e-5, atol=1e-5)
        assert mine.dtype == keras_var.dtype
    config = ours.get_config()
    assert config == jax.tree.map(lambda v: np.asarray(v).tolist() if hasattr(v, "shape") else v,
                                  theirs.get_config())
    assert type(ours).from_config(config).get_config() == config
    ours.reset_state()
    theirs.reset_state()
    assert all(not np.any(v.numpy()) for v in ours.variables)


@pytest.mark.parametrize("name,kwargs,kind", CASES[::4], ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES[::4])])
def test_stateless_functions_under_jit_match_eager(name, kwargs, kind):
    metric = getattr(metrics, name)(**kwargs)
    metric.build_from_output_shape(_batch(kind, 0)[0][1].shape)
    update, result = jax.jit(metric.stateless_update_state), jax.jit(metric.stateless_result)
    state = metric.stateless_reset_state()
    for seed in range(2):
        args, weights = _batch(kind, seed)
        state = update(state, *args, sample_weight=weights)
        metric.update_state(*args, sample_weight=weights)
    np.testing.assert_allclose(np.asarray(result(state)), np.asarray(metric.result()), rtol=1e-5, atol=1e-6)


def test_argument_errors_name_the_argument():
    with pytest.raises(ValueError, match="`specificity`"):
        metrics.SensitivityAtSpecificity(1.5)
    with pytest.raises(ValueError, match="`curve`"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="`beta`"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="`thresholds`"):
        metrics.Precision(thresholds=[1.5])
    with pytest.raises(ValueError, match="target class id 5"):
        metrics.IoU(num_classes=3, target_class_ids=[5])


def test_get_serialize_and_aliases():
    assert type(metrics.get("AUC")) is metrics.AUC
    assert type(metrics.get("mape")) is metrics.MeanAbsolutePercentageError
    config = metrics.serialize(metrics.Precision(thresholds=[0.2, 0.6], name="p"))
    assert config == keras.metrics.serialize(keras.metrics.Precision(thresholds=[0.2, 0.6], name="p"))
    assert metrics.deserialize(config).thresholds == [0.2, 0.6]


class _KeraxCount(kerax.metrics.Metric):
    """A user's metric in Keras's stateful style."""

    def __init__(self, name="positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        self.seen = self.add_weight(name="seen", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = kerax.ops.cast(kerax.ops.greater(y_pred, 0.5), "float32")
        if sample_weight is not None:
            hits = hits * kerax.ops.reshape(kerax.ops.cast(sample_weight, "float32"), (-1, 1))
        self.count.assign_add(kerax.ops.sum(hits))
        self.seen.assign(self.seen + kerax.ops.sum(kerax.ops.ones_like(y_pred)))

    def result(self):
        return self.count / self.seen

    def reset_state(self):
        self.count.assign(0.0)
        self.seen.assign(1e-9)  # not zeros: the pure reset must run this method


class _KerasCount(keras.metrics.Metric):
    def __init__(self, name="positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        self.seen = self.add_weight(name="seen", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = keras.ops.cast(keras.ops.greater(y_pred, 0.5), "float32")
        if sample_weight is not None:
            hits = hits * keras.ops.reshape(keras.ops.cast(sample_weight, "float32"), (-1, 1))
        self.count.assign_add(keras.ops.sum(hits))
        self.seen.assign(self.seen + keras.ops.sum(keras.ops.ones_like(y_pred)))

    def result(self):
        return self.count / self.seen

    def reset_state(self):
        self.count.assign(0.0)
        self.seen.assign(1e-9)


def test_user_stateful_metric_eager_and_pure():
    ours, theirs = _KeraxCount(), _KerasCount()
    _update_both(ours, theirs, "multilabel")
    state = jax.jit(ours.stateless_reset_state)()
    np.testing.assert_allclose(np.asarray(state[1]), 1e-9)
    update = jax.jit(ours.stateless_update_state)
    for seed in range(3):
        args, weights = _batch("multilabel", seed)
        state = update(state, *args, sample_weight=weights)
    theirs.reset_state()
    for seed in range(3):
        args, weights = _batch("multilabel", seed)
        theirs.update_state(*args, sample_weight=weights)
    np.testing.assert_allclose(np.asarray(jax.jit(ours.stateless_result)(state)), np.asarray(theirs.result()),
                               rtol=1e-6)
    assert [v.path for v in ours.variables] == ["positives/count", "positives/seen"]


def test_user_stateful_metric_and_new_metrics_in_fit_match_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x.sum(-1, keepdims=True) > 0).astype("float32")

    def run(lib, custom):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, activation="sigmoid")])
        model.compile("sgd", "binary_crossentropy",
                      metrics=[custom(), lib.metrics.AUC(name="auc"), lib.metrics.Precision(name="p"),
                               lib.metrics.F1Score(threshold=0.5, name="f1")])
        return model

    ours, theirs = run(kerax, _KeraxCount), run(keras, _KerasCount)
    ours.set_weights(theirs.get_weights())
    got = ours.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    want = theirs.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    assert set(got) == set(want)
    for key in want:
        np.testing.assert_allclose(np.asarray(got[key]), np.asarray(want[key]), rtol=1e-5, atol=1e-6, err_msg=key)
