"""Convolution layers give Keras 3's numbers, gradients, weight names and output shapes for
Keras's weights, and refuse bad arguments with messages that name the layer and argument."""
import inspect

import numpy as np
import pytest

import kerax
from kerax.ir import cost, graphs_equal, parse, print_graph, verify
from parity import assert_layer_parity, keras

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


X1 = _x(2, 9, 4)          # (batch, steps, channels)
X1_CF = _x(2, 4, 9)       # channels_first
X2 = _x(2, 7, 6, 4)
X2_CF = _x(2, 4, 7, 6)
X3 = _x(1, 5, 4, 6, 2)
X3_CF = _x(1, 2, 5, 4, 6)

CF = {"data_format": "channels_first"}

CASES = [
    # (layer, constructor kwargs, input): each case covers several options at once, to keep the file fast.
    ("Conv1D", dict(filters=3, kernel_size=3), X1),
    ("Conv1D", dict(filters=4, kernel_size=2, strides=2, padding="same", activation="relu"), X1),
    ("Conv1D", dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2), X1),
    ("Conv1D", dict(filters=4, kernel_size=3, padding="causal", groups=2, use_bias=False, **CF), X1_CF),
    ("Conv2D", dict(filters=3, kernel_size=(3, 2), strides=(2, 1), padding="same", activation="tanh"), X2),
    ("Conv2D", dict(filters=6, kernel_size=3, dilation_rate=2, groups=2), X2),
    ("Conv2D", dict(filters=3, kernel_size=3, strides=2, padding="same", **CF), X2_CF),
    ("Conv2D", dict(filters=4, kernel_size=2, groups=4, dilation_rate=(1, 2), use_bias=False, **CF), X2_CF),
    ("Conv3D", dict(filters=2, kernel_size=(2, 3, 2)), X3),
    ("Conv3D", dict(filters=2, kernel_size=2, strides=2, padding="same", groups=2, **CF), X3_CF),
    ("Conv1DTranspose", dict(filters=2, kernel_size=4, strides=3, output_padding=2), X1),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same", **CF), X1_CF),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same", activation="relu"), X2),
    ("Conv2DTranspose", dict(filters=2, kernel_size=(3, 2), strides=(2, 3), output_padding=(1, 2)), X2),
    ("Conv2DTranspose", dict(filters=2, kernel_size=2, strides=3, use_bias=False), X2),  # kernel below stride
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2), X2),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1, **CF), X2_CF),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2, padding="same"), X3),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2, strides=2, padding="same"), X1),
    ("DepthwiseConv1D", dict(kernel_size=2, dilation_rate=3, **CF), X1_CF),
    ("DepthwiseConv2D", dict(kernel_size=(3, 2), depth_multiplier=3, strides=2, padding="same", activation="relu"), X2),
    ("DepthwiseConv2D", dict(kernel_size=2, dilation_rate=2, depth_multiplier=2, **CF), X2_CF),
    ("SeparableConv1D", dict(filters=5, kernel_size=3, depth_multiplier=2, strides=2, padding="same"), X1),
    ("SeparableConv1D", dict(filters=3, kernel_size=2, dilation_rate=2, use_bias=False, **CF), X1_CF),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, depth_multiplier=2, strides=2, padding="same"), X2),
    ("SeparableConv2D", dict(filters=3, kernel_size=2, dilation_rate=2, activation="tanh", **CF), X2_CF),
]


def _id(case):
    name, kwargs, _ = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


def _zero_initializers(cls):
    # Both sides start from zeros (no per-shape compile of a random draw); Keras's layer then gets
    # seeded random weights, which set_weights copies into kerax's.
    return {p: "zeros" for p in inspect.signature(cls.__init__).parameters if p.endswith("_initializer")}


def _keras_layer(name, kwargs, x):
    cls = getattr(keras().layers, name)
    layer = cls(**kwargs, **_zero_initializers(cls))
    layer.build(x.shape)
    rng = np.random.default_rng(1)
    layer.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()])
    return layer


def _parity(name, kwargs, x, training=(False,)):
    cls = getattr(kerax.layers, name)
    return assert_layer_parity(lambda: cls(**kwargs, **_zero_initializers(cls)), lambda: _keras_layer(name, kwargs, x),
                               x, training=training)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_parity_with_keras(case):
    name, kwargs, x = case
    ours, theirs = _parity(name, kwargs, x)
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]
    batchless = (None, *x.shape[1:])
    assert tuple(ours.compute_output_shape(batchless)) == tuple(theirs.compute_output_shape(batchless))


def test_default_initializers_make_keras_shapes_and_names():
    ours, theirs = kerax.layers.SeparableConv2D(4, 3), keras().layers.SeparableConv2D(4, 3)
    ours(X2), theirs(X2)
    assert [(v.name, tuple(v.shape)) for v in ours.weights] == [(v.name, tuple(v.shape)) for v in theirs.weights]
    assert np.abs(ours.get_weights()[0]).max() > 0  # glorot_uniform, not zeros


def test_parity_in_training_mode_too():
    _parity("Conv2D", dict(filters=3, kernel_size=3), X2, training=(False, True))


@pytest.mark.parametrize("name,kwargs,shape", [
    ("Conv1D", dict(filters=4, kernel_size=3, padding="causal"), (None, None, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2), (None, 9, 10, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, padding="same", **CF), (None, 3, 9, None)),
    ("Conv3D", dict(filters=4, kernel_size=2, dilation_rate=2), (None, 5, 6, 7, 1)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same"), (None, 5, None, 2)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=5, strides=3, output_padding=1), (None, 5, 4, 2)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2), (None, 8, 8, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, strides=2, padding="same"), (None, 11, 3)),
])
def test_compute_output_shape_with_a_none_batch(name, kwargs, shape):
    ours = getattr(kerax.layers, name)(**kwargs)
    theirs = getattr(keras().layers, name)(**kwargs)
    assert tuple(ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape(shape))
    assert not ours.built  # the arithmetic alone: no weights made


def test_output_shape_matches_the_computed_output():
    layer = kerax.layers.Conv2DTranspose(3, 3, strides=2, output_padding=1)
    assert layer(X2).shape == (2, *layer.compute_output_shape((None, 7, 6, 4))[1:])


def test_causal_padding_sees_only_the_past():
    layer = kerax.layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = X1.copy()
    before = np.asarray(layer(x))
    x[:, 5:] += 1.0
    after = np.asarray(layer(x))
    np.testing.assert_array_equal(before[:, :5], after[:, :5])
    assert not np.allclose(before[:, 5:], after[:, 5:])


def test_aliases_are_keras_names():
    layers = kerax.layers
    assert layers.Convolution2D is layers.Conv2D and layers.Convolution1D is layers.Conv1D
    assert layers.Convolution3D is layers.Conv3D and layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


def test_config_round_trip_keeps_numbers():
    layer = kerax.layers.Conv2D(3, (3, 2), strides=(2, 1), padding="same", groups=1, activation="relu",
                                kernel_regularizer="l2", name="c")
    out = layer(X2)
    clone = kerax.layers.Conv2D.from_config(layer.get_config())
    clone(X2)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(X2), out, rtol=1e-6)
    assert clone.get_config() == layer.get_config()
    assert set(layer.get_config()) == set(keras().layers.Conv2D(3, 3).get_config())


def test_ops_match_keras_ops():
    kernel = _x(3, 2, 5, 4)
    ours = kerax.ops.conv_transpose(X2, kernel, strides=(2, 1), padding="same", output_padding=(1, 0))
    theirs = keras().ops.conv_transpose(X2, kernel, strides=(2, 1), padding="same", output_padding=(1, 0))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    depthwise, pointwise = _x(3, 3, 4, 2), _x(1, 1, 8, 3)
    np.testing.assert_allclose(kerax.ops.depthwise_conv(X2, depthwise, 2, "same"),
                               keras().ops.depthwise_conv(X2, depthwise, 2, "same"), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kerax.ops.separable_conv(X2, depthwise, pointwise, dilation_rate=2),
                               keras().ops.separable_conv(X2, depthwise, pointwise, dilation_rate=2),
                               rtol=1e-5, atol=1e-5)


def _trace(layer, shape):
    from kerax.frontend.tracing import Trace

    with Trace("t") as trace:
        out = layer(trace.input(shape, "float32", "x"))
        return trace.finish([out], ["y"])


@pytest.mark.parametrize("make,shape,ops,out_shape,flops", [
    # (layer, input shape, the contraction/reshape ops it records, output shape, their FLOPs with batch 1)
    (lambda: kerax.layers.Conv2DTranspose(3, 3, strides=2), (None, 4, 4, 2), ["conv_transpose"], (None, 9, 9, 3),
     2 * (3 * 3 * 3) * (4 * 4 * 2)),  # every input element meets the whole kernel and every filter
    (lambda: kerax.layers.DepthwiseConv2D(3, depth_multiplier=2), (None, 6, 6, 2), ["reshape", "conv"],
     (None, 4, 4, 4), 2 * (3 * 3 * 1) * (4 * 4 * 4)),
    (lambda: kerax.layers.SeparableConv1D(5, 3), (None, 8, 2), ["reshape", "conv", "conv"], (None, 6, 5),
     2 * 3 * (6 * 2) + 2 * 2 * (6 * 5)),
])
def test_ir_of_the_convolutions(make, shape, ops, out_shape, flops):
    graph = _trace(make(), shape)
    assert [node.op for node in graph.nodes if node.op in ("conv", "conv_transpose", "reshape")] == ops
    assert graph.outputs[0].type.shape == out_shape
    verify(graph)
    assert graphs_equal(parse(print_graph(graph)), graph)
    assert flops == sum(cost(n.op, [v.type for v in n.inputs], [v.type for v in n.outputs], n.attrs)[0]
                        for n in graph.nodes if n.op in ("conv", "conv_transpose"))


def test_sequential_conv_model_predicts_like_keras():
    def build(lib):
        return lib.Sequential([lib.Input((8, 8, 1)), lib.layers.Conv2D(4, 3, activation="relu"),
                               lib.layers.MaxPooling2D(), lib.layers.Flatten(), lib.layers.Dense(3)])

    theirs, ours = build(keras()), build(kerax)
    ours.set_weights(theirs.get_weights())
    x = _x(5, 8, 8, 1)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


BAD_ARGUMENTS = [
    ("Conv2D", dict(filters=0, kernel_size=3), r"Conv2D: argument `filters` must be a positive integer, received 0"),
    ("Conv2D", dict(filters=4, kernel_size=(3, 3, 3)),
     r"Conv2D: argument `kernel_size` must be an int or a tuple of 2 ints, received \(3, 3, 3\)"),
    ("Conv1D", dict(filters=4, kernel_size=0), r"Conv1D: every value of argument `kernel_size` must be > 0"),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=(1, 0)),
     r"Conv2D: every value of argument `strides` must be > 0"),
    ("Conv2D", dict(filters=5, kernel_size=3, groups=2),
     r"Conv2D: argument `filters` must be divisible by `groups`, received filters=5 and groups=2"),
    ("Conv2D", dict(filters=4, kernel_size=3, groups=0), r"Conv2D: argument `groups` must be a positive integer"),
    ("Conv2D", dict(filters=4, kernel_size=3, padding="causal"),
     r"Conv2D: argument `padding` must be one of \('valid', 'same'\), received 'causal'"),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, dilation_rate=2),
     r"Conv2D: arguments `strides` > 1 and `dilation_rate` > 1 cannot be combined"),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2, output_padding=2),
     r"Conv2DTranspose: every value of argument `output_padding` must be smaller than the matching stride"),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=0),
     r"DepthwiseConv2D: argument `depth_multiplier` must be a positive integer"),
    ("SeparableConv1D", dict(filters=0, kernel_size=3),
     r"SeparableConv1D: argument `filters` must be a positive integer"),
    ("Conv2D", dict(filters=4, kernel_size=3, data_format="channels_middle"), r"data_format"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD_ARGUMENTS)
def test_bad_arguments_are_refused(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(kerax.layers, name)(**kwargs)


def test_lora_is_refused_rather_than_ignored():
    with pytest.raises(NotImplementedError, match=r"Conv2D: argument `lora_rank`"):
        kerax.layers.Conv2D(4, 3, lora_rank=2)


def test_channels_not_divisible_by_groups_names_the_layer():
    layer = kerax.layers.Conv2D(4, 3, groups=2, name="grouped")
    with pytest.raises(ValueError, match=r"Layer 'grouped': the number of input channels must be divisible by "
                                         r"`groups`, received groups=2 and an input of shape \(2, 7, 6, 3\)"):
        layer(_x(2, 7, 6, 3))


def test_input_smaller_than_the_kernel_is_refused():
    with pytest.raises(ValueError, match=r"Layer 'small': an input of shape \(None, 2, 2, 1\) gives an output"):
        kerax.Sequential([kerax.Input((2, 2, 1)), kerax.layers.Conv2D(4, 3, name="small")])


def test_wrong_rank_and_channels_are_refused_with_keras_wording():
    layer = kerax.layers.Conv2D(4, 3, name="c2")
    with pytest.raises(ValueError, match=r"Input 0 of layer 'c2' is incompatible with the layer: expected ndim=4"):
        layer(X1)
    layer(X2)
    with pytest.raises(ValueError, match=r"Input 0 of layer 'c2' is incompatible with the layer: expected axis -1"):
        layer(_x(2, 7, 6, 5))


def test_unknown_channels_are_refused():
    with pytest.raises(ValueError, match=r"Layer 'c1': the channel axis \(-1"):
        kerax.layers.Conv1D(4, 3, name="c1").build((None, 9, None))
