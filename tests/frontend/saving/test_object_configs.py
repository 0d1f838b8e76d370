"""Every built-in object round-trips through Keras 3's config dicts: kerax -> config -> kerax
gives the same config, Keras 3 rebuilds the object from kerax's config, and kerax rebuilds it
from Keras 3's."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402
from kerax.saving import deserialize_keras_object, serialize_keras_object  # noqa: E402


def _objects(K):
    L, sch = K.layers, K.optimizers.schedules
    return {
        "Dense": L.Dense(3, activation="relu", kernel_regularizer=K.regularizers.L2(0.1),
                         kernel_constraint=K.constraints.MaxNorm(2.0)),
        "Conv2D": L.Conv2D(2, 3, strides=2, padding="same"), "Conv1DTranspose": L.Conv1DTranspose(2, 3),
        "SeparableConv1D": L.SeparableConv1D(2, 3), "DepthwiseConv2D": L.DepthwiseConv2D(3),
        "MaxPooling2D": L.MaxPooling2D(3), "AveragePooling1D": L.AveragePooling1D(2), "GlobalMaxPooling2D": L.GlobalMaxPooling2D(),
        "LSTM": L.LSTM(3, return_sequences=True), "GRU": L.GRU(2, reset_after=False), "SimpleRNN": L.SimpleRNN(2),
        "Bidirectional": L.Bidirectional(L.GRU(2), merge_mode="sum"), "TimeDistributed": L.TimeDistributed(L.Dense(2)),
        "MultiHeadAttention": L.MultiHeadAttention(2, 4, dropout=0.1), "Attention": L.Attention(use_scale=True),
        "EinsumDense": L.EinsumDense("ab,bc->ac", output_shape=4), "BatchNormalization": L.BatchNormalization(momentum=0.9),
        "LayerNormalization": L.LayerNormalization(epsilon=1e-3), "GroupNormalization": L.GroupNormalization(2),
        "Dropout": L.Dropout(0.2), "Embedding": L.Embedding(10, 3), "Flatten": L.Flatten(), "Reshape": L.Reshape((2, 3)),
        "Concatenate": L.Concatenate(axis=1), "Add": L.Add(), "Dot": L.Dot(axes=1), "Activation": L.Activation("gelu"),
        "LeakyReLU": L.LeakyReLU(0.2), "PReLU": L.PReLU(), "Softmax": L.Softmax(), "Rescaling": L.Rescaling(0.5),
        "Masking": L.Masking(), "GaussianNoise": L.GaussianNoise(0.1), "SpatialDropout1D": L.SpatialDropout1D(0.1),
        "Adam": K.optimizers.Adam(0.01, amsgrad=True), "SGD": K.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
        "RMSprop": K.optimizers.RMSprop(0.001, rho=0.8), "AdamW": K.optimizers.AdamW(weight_decay=0.01),
        "Adagrad": K.optimizers.Adagrad(),
        "AdamSchedule": K.optimizers.Adam(sch.ExponentialDecay(0.1, 10, 0.9)),
        "ExponentialDecay": sch.ExponentialDecay(0.1, 100, 0.5, staircase=True),
        "PiecewiseConstantDecay": sch.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
        "CosineDecay": sch.CosineDecay(0.1, 100),
        "MeanSquaredError": K.losses.MeanSquaredError(), "BinaryCrossentropy": K.losses.BinaryCrossentropy(from_logits=True),
        "SparseCategoricalCrossentropy": K.losses.SparseCategoricalCrossentropy(from_logits=True),
        "CategoricalAccuracy": K.metrics.CategoricalAccuracy(), "MeanAbsoluteError": K.metrics.MeanAbsoluteError(),
        "Mean": K.metrics.Mean(name="m"),
        "GlorotUniform": K.initializers.GlorotUniform(seed=3), "HeNormal": K.initializers.HeNormal(),
        "Orthogonal": K.initializers.Orthogonal(gain=2.0), "Constant": K.initializers.Constant(0.5),
        "L1L2": K.regularizers.L1L2(l1=0.1, l2=0.2), "NonNeg": K.constraints.NonNeg(),
        "MinMaxNorm": K.constraints.MinMaxNorm(0.1, 2.0),
    }


NAMES = sorted(_objects(kerax))


def _strip(config):
    """Configs compared without what is bookkeeping rather than meaning."""
    if isinstance(config, dict):
        return {k: _strip(v) for k, v in config.items() if k not in ("name", "shared_object_id", "registered_name",
                                                                     "module", "dtype")}
    if isinstance(config, (list, tuple)):
        return [_strip(v) for v in config]
    return config


@pytest.fixture(scope="module")
def objects():
    return _objects(kerax), _objects(keras)


@pytest.mark.parametrize("name", NAMES)
def test_kerax_round_trip(name, objects):
    obj = objects[0][name]
    config = serialize_keras_object(obj)
    again = deserialize_keras_object(config)
    assert type(again) is type(obj)
    assert _strip(serialize_keras_object(again)) == _strip(config)


@pytest.mark.parametrize("name", NAMES)
def test_keras_reads_kerax_config(name, objects):
    config = serialize_keras_object(objects[0][name])
    theirs = keras.saving.deserialize_keras_object(config)
    assert type(theirs).__name__ == type(objects[1][name]).__name__


@pytest.mark.parametrize("name", NAMES)
def test_kerax_reads_keras_config(name, objects):
    config = keras.saving.serialize_keras_object(objects[1][name])
    ours = deserialize_keras_object(config)
    assert type(ours).__name__ == type(objects[0][name]).__name__
    assert _agree(_strip(serialize_keras_object(ours)["config"]), _strip(config["config"]))


def _agree(ours, theirs) -> bool:
    """Equal on every key both configs have (each side may carry arguments the other lacks)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return all(_agree(ours[k], theirs[k]) for k in ours.keys() & theirs.keys())
    if isinstance(ours, (list, tuple)) and isinstance(theirs, (list, tuple)):
        return len(ours) == len(theirs) and all(_agree(a, b) for a, b in zip(ours, theirs))
    return ours == theirs or (isinstance(ours, float) and ours == pytest.approx(theirs))
