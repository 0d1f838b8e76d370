"""Twin models for the saving tests: each builder takes a Keras-like module (kerax or keras)
and builds the same small model, covering every layer family kerax has."""
from __future__ import annotations

import numpy as np


def conv(K):
    x_in = K.Input((8, 8, 3))
    x = K.layers.Conv2D(4, 3, padding="same", activation="relu")(x_in)
    x = K.layers.SeparableConv2D(4, 3)(x)
    x = K.layers.DepthwiseConv2D(2)(x)
    x = K.layers.Conv2DTranspose(3, 2, strides=2)(x)
    x = K.layers.MaxPooling2D()(x)
    x = K.layers.Conv1D(2, 2)(K.layers.Reshape((-1, 3))(x))
    x = K.layers.GlobalAveragePooling1D()(x)
    return K.Model(x_in, K.layers.Dense(3, activation="softmax")(x))


def recurrent(K):
    x_in = K.Input((6, 3))
    x = K.layers.Bidirectional(K.layers.LSTM(4, return_sequences=True))(x_in)
    x = K.layers.GRU(3, return_sequences=True)(x)
    x = K.layers.TimeDistributed(K.layers.Dense(2))(x)
    x = K.layers.SimpleRNN(2)(x)
    return K.Model(x_in, x)


def attention(K):
    x_in = K.Input((5, 6))
    x = K.layers.MultiHeadAttention(2, 3)(x_in, x_in)
    x = K.layers.Attention()([x, x_in])
    x = K.layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d")(x)
    return K.Model(x_in, K.layers.LayerNormalization()(x))


def normalization(K):
    return K.Sequential([K.Input((6, 4)), K.layers.BatchNormalization(), K.layers.GroupNormalization(2),
                         K.layers.LayerNormalization(), K.layers.UnitNormalization(), K.layers.Flatten(),
                         K.layers.Dense(2), K.layers.PReLU()])


def nested_shared(K):
    inner = K.Sequential([K.Input((4,)), K.layers.Dense(4, activation="tanh")], name="inner")
    x_in = K.Input((4,))
    block_in = K.Input((4,))
    block = K.Model(block_in, K.layers.Dense(4)(block_in), name="block")
    shared = K.layers.Dense(4, name="shared")
    x = shared(inner(x_in))
    x = shared(block(x))
    return K.Model(x_in, K.layers.Add()([x, block(x_in)]))


def multi_io(K):
    a, b = K.Input((3,), name="a"), K.Input((5,), name="b")
    h = K.layers.Concatenate()([K.layers.Dense(4)(a), b])
    return K.Model([a, b], [K.layers.Dense(2, name="out_1")(h), K.layers.Dense(1, name="out_2")(h)])


def embedding(K):
    x_in = K.Input((5,), dtype="int32")
    x = K.layers.Embedding(10, 4)(x_in)
    return K.Model(x_in, K.layers.GlobalMaxPooling1D()(K.layers.Dropout(0.3)(x)))


BUILDERS = {f.__name__: f for f in (conv, recurrent, attention, normalization, nested_shared, multi_io, embedding)}


def inputs_for(model, seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for t in model.inputs:
        shape = (2, *t.shape[1:])
        if "int" in str(t.dtype):
            out.append(rng.integers(0, 10, shape).astype("int32"))
        else:
            out.append(rng.standard_normal(shape).astype("float32"))
    return out[0] if len(out) == 1 else out


def randomize(model, seed: int = 1) -> None:
    """Random values in every weight, so that a weight loaded into the wrong place shows
    (BatchNormalization variances kept positive)."""
    rng = np.random.default_rng(seed)
    model.set_weights([np.abs(rng.standard_normal(w.shape)).astype(w.dtype) + 0.5 for w in model.get_weights()])


def predictions(model, x) -> list:
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
