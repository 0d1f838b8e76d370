"""Models and layers as Keras 3 builds them: Model subclasses from inputs/outputs, Sequential
built as soon as it knows its input, unused inputs, Layer.losses, stateful Metric subclasses,
callbacks' logs. Keras 3 is the oracle where there is a number to compare."""
import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import kerax


def test_model_subclass_from_inputs_and_outputs_runs_its_train_step():
    class SGDModel(kerax.Model):  # the FAQ / guide pattern: override train_step, build functionally
        def train_step(self, state, data):
            trainable, non_trainable, optimizer_vars, metric_vars = state
            x, y = data

            def loss_fn(tv):
                y_pred, _ = self.stateless_call(tv, non_trainable, x, training=True)
                return jnp.mean((y_pred - y) ** 2)

            loss, grads = jax.value_and_grad(loss_fn)(trainable)
            trainable = [w - 0.1 * g for w, g in zip(trainable, grads)]
            return {"custom_loss": loss}, (trainable, non_trainable, optimizer_vars, metric_vars)

    inputs = kerax.Input((3,))
    model = SGDModel(inputs, kerax.layers.Dense(1)(inputs))
    assert isinstance(model, SGDModel) and type(model).__name__ == "SGDModel"
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense"]
    kernel, bias = [np.array(w) for w in model.get_weights()]
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.ones((8, 1), "float32")
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)

    def reference(w, b):  # one hand-written SGD step on the same batch
        return jnp.mean((x @ w + b - y) ** 2)

    loss, (gw, gb) = jax.value_and_grad(reference, argnums=(0, 1))(kernel, bias)
    np.testing.assert_allclose(history.history["custom_loss"][0], loss, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.1 * gw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], bias - 0.1 * gb, rtol=1e-5, atol=1e-6)


def _stack(K, kind):
    if kind == "input":
        model = K.Sequential()
        model.add(K.Input((8,)))
        model.add(K.layers.Dense(4))
    elif kind == "input_shape":
        model = K.Sequential([K.layers.Dense(4, input_shape=(8,))])
    else:  # a built model as the first layer
        inner = K.Sequential([K.Input((8,)), K.layers.Dense(4)])
        model = K.Sequential([inner])
    model.add(K.layers.Dense(3))
    model.add(K.layers.Dense(2, use_bias=False))
    return model


@pytest.mark.parametrize("kind", ["input", "input_shape", "nested"])
def test_sequential_builds_layers_added_after_its_input(kind):
    with pytest.warns(UserWarning) if kind == "input_shape" else _nothing():
        theirs = _stack(keras, kind)
    ours = _stack(kerax, kind)
    assert all(layer.built for layer in ours.layers)
    assert ours.count_params() == theirs.count_params()
    assert [tuple(w.shape) for w in ours.trainable_weights] == [tuple(w.shape) for w in theirs.trainable_weights]
    assert [type(l).__name__ for l in ours.layers] == [type(l).__name__ for l in theirs.layers]
    lines = []
    ours.summary(print_fn=lines.append)
    assert f"Total params: {theirs.count_params()}" in "\n".join(lines)
    x = np.random.default_rng(1).normal(size=(5, 8)).astype("float32")
    for mine, keras_layer in zip(ours.weights, theirs.weights):
        keras_layer.assign(np.array(mine.value))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_functional_model_accepts_an_input_no_output_uses():
    used, unused = kerax.Input((4,), name="used"), kerax.Input((2,), name="unused")
    dense = kerax.layers.Dense(3)
    model = kerax.Model([used, unused], dense(used))
    x = np.random.default_rng(2).normal(size=(6, 4)).astype("float32")
    out = model.predict([x, np.zeros((6, 2), "float32")], verbose=0)
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert model.input_names == ["used", "unused"]


def test_an_output_that_does_not_depend_on_the_inputs_is_named_in_the_error():
    given, other = kerax.Input((4,), name="given"), kerax.Input((4,), name="other")
    first = kerax.layers.Dense(2, name="from_given")(given)
    second = kerax.layers.Dense(2, name="from_other")(other)
    with pytest.raises(ValueError, match=r"output 1 \(from layer 'from_other'\) depends on Input 'other', "
                                         r"which is not among the model's inputs \['given'\]"):
        kerax.Model(given, [first, second])


def _loss_layer(K):
    class Penalized(K.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 2), initializer="ones",
                                          regularizer=K.regularizers.L2(0.01))

        def call(self, x):
            self.add_loss(0.5 * K.ops.sum(x))
            return K.ops.matmul(x, self.kernel)

    return Penalized()


def test_layer_losses_are_the_last_calls_then_the_weight_penalties():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    ours, theirs = _loss_layer(kerax), _loss_layer(keras)
    ours(x), theirs(x)
    assert len(ours.losses) == len(theirs.losses) == 2
    for mine, expected in zip(ours.losses, theirs.losses):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(expected), rtol=1e-6)
    ours(x[:1])  # a new call replaces the added losses, as in Keras
    theirs(x[:1])
    np.testing.assert_allclose(np.asarray(ours.losses[0]), np.asarray(theirs.losses[0]), rtol=1e-6)


def _count_metric(K):
    class PositiveCount(K.metrics.Metric):
        """Counts (weighted) predictions above a threshold: state kept with add_variable."""

        def __init__(self, threshold=0.0, name="positive_count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.threshold = threshold
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = K.ops.cast(y_pred > self.threshold, "float32")
            if sample_weight is not None:
                hits = hits * K.ops.reshape(K.ops.cast(sample_weight, "float32"), K.ops.shape(hits))
            self.count.assign(self.count + K.ops.sum(hits))

        def result(self):
            return K.ops.convert_to_tensor(self.count)

        def reset_state(self):
            self.count.assign(0.0)

    return PositiveCount()


def test_a_stateful_metric_subclass_eagerly_and_in_evaluate():
    ours, theirs = _count_metric(kerax), _count_metric(keras)
    y_pred = np.array([[-1.0], [0.5], [2.0]], "float32")
    for m in (ours, theirs):
        m.update_state(None, y_pred)
        m.update_state(None, y_pred, sample_weight=np.array([1.0, 0.0, 3.0]))
    assert float(ours.result()) == float(theirs.result()) == 5.0
    ours.reset_state()
    assert float(ours.result()) == 0.0

    x = np.random.default_rng(3).normal(size=(40, 4)).astype("float32")
    y = np.zeros((40, 1), "float32")
    results = []
    for K in (kerax, keras):
        inputs = K.Input((4,))
        model = K.Model(inputs, K.layers.Dense(1, kernel_initializer="ones")(inputs))
        model.compile(optimizer="sgd", loss="mse", metrics=[_count_metric(K)])
        results.append(model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True))
    assert results[0]["positive_count"] == results[1]["positive_count"] == float(np.sum(x.sum(axis=1) > 0))
    np.testing.assert_allclose(results[0]["loss"], results[1]["loss"], rtol=1e-5)


def _recorder(K, seen):
    class Record(K.callbacks.Callback):
        pass

    def recorder(hook, batch_hook):
        def record(self, *args, **kwargs):  # Keras passes logs by keyword, or not at all
            logs = kwargs["logs"] if "logs" in kwargs else args[1 if batch_hook else 0] if len(args) > batch_hook else None
            seen.append((hook, logs))
        return record

    for hook in ("on_train_begin", "on_test_begin", "on_predict_begin", "on_predict_end"):
        setattr(Record, hook, recorder(hook, False))
    for hook in ("on_epoch_begin", "on_train_batch_begin", "on_test_batch_begin", "on_predict_batch_begin"):
        setattr(Record, hook, recorder(hook, True))
    return Record()


def test_callbacks_get_empty_dicts_where_keras_passes_them():
    x, y = np.ones((16, 2), "float32"), np.ones((16, 1), "float32")
    hooks = {}
    for K in (kerax, keras):
        seen = hooks.setdefault(K.__name__, [])
        inputs = K.Input((2,))
        model = K.Model(inputs, K.layers.Dense(1)(inputs))
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, validation_data=(x, y), callbacks=[_recorder(K, seen)])
        model.predict(x, batch_size=8, verbose=0, callbacks=[_recorder(K, seen)])
    ours = {(hook, type(logs).__name__) for hook, logs in hooks["kerax"]}
    theirs = {(hook, type(logs).__name__) for hook, logs in hooks["keras"]}
    assert ours == theirs
    assert all(logs == {} for hook, logs in hooks["kerax"] if hook.endswith("_begin"))


def _compute_sum(K):
    class ComputeSum(K.layers.Layer):  # the subclassing guide's non-trainable weight
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(K.ops.sum(inputs, axis=0))
            return self.total

    return ComputeSum(2)


def test_a_call_that_returns_its_variable_hands_back_the_variable():
    x = np.ones((2, 2), "float32")
    ours, theirs = _compute_sum(kerax), _compute_sum(keras)
    for _ in range(2):
        mine, expected = ours(x), theirs(x)
        assert mine is ours.total
        np.testing.assert_array_equal(mine.numpy(), expected.numpy())


def test_an_overridden_test_step_and_metrics_see_keras_jax_state():
    class TrackedModel(kerax.Model):  # the custom_train_step guide's own trackers and test_step
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.mae_metric = kerax.metrics.MeanAbsoluteError(name="mae")

        @property
        def metrics(self):
            return [self.mae_metric]

        def test_step(self, state, data):
            trainable, non_trainable, metric_vars = state  # Keras 3's JAX test state: three parts
            x, y = data
            y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x, training=False)
            metric_vars = self.mae_metric.stateless_update_state(metric_vars, y, y_pred)
            return {"mae": self.mae_metric.stateless_result(metric_vars)}, (trainable, non_trainable, metric_vars)

    inputs = kerax.Input((3,))
    dense = kerax.layers.Dense(1)
    model = TrackedModel(inputs, dense(inputs))
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(4).normal(size=(32, 3)).astype("float32")
    y = np.zeros((32, 1), "float32")
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(x @ kernel + bias)), rtol=1e-5)
