"""Pooling and reshaping layers give Keras 3's numbers, gradients, masks and output shapes,
and refuse bad arguments with messages that name the layer and argument."""
import numpy as np
import pytest

import kerax
from parity import assert_layer_parity, keras

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


X1 = _x(2, 9, 3)
X1_CF = _x(2, 3, 9)
X2 = _x(2, 7, 6, 3)
X2_CF = _x(2, 3, 7, 6)
X3 = _x(1, 5, 4, 6, 2)
X3_CF = _x(1, 2, 5, 4, 6)
CF = {"data_format": "channels_first"}

CASES = [
    # (layer, constructor kwargs, input)
    ("MaxPooling1D", {}, X1),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same", **CF), X1_CF),
    ("MaxPooling2D", dict(pool_size=(3, 2), strides=(2, 1)), X2),
    ("MaxPooling2D", dict(pool_size=2, padding="same", **CF), X2_CF),
    ("MaxPooling3D", dict(pool_size=2, padding="same"), X3),
    ("AveragePooling1D", dict(pool_size=4, strides=3, padding="same"), X1),
    ("AveragePooling2D", dict(pool_size=(2, 3), strides=1), X2),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same", **CF), X2_CF),
    ("AveragePooling3D", dict(pool_size=(2, 2, 3), padding="same", **CF), X3_CF),
    ("GlobalMaxPooling1D", {}, X1),
    ("GlobalMaxPooling2D", dict(keepdims=True, **CF), X2_CF),
    ("GlobalMaxPooling3D", {}, X3),
    ("GlobalAveragePooling1D", dict(keepdims=True, **CF), X1_CF),
    ("GlobalAveragePooling2D", {}, X2),
    ("GlobalAveragePooling3D", dict(keepdims=True), X3),
    ("ZeroPadding1D", dict(padding=(1, 3)), X1),
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 3)), **CF), X2_CF),
    ("ZeroPadding2D", dict(padding=(2, 1)), X2),
    ("ZeroPadding3D", dict(padding=1), X3),
    ("Cropping1D", dict(cropping=(2, 0)), X1),
    ("Cropping2D", dict(cropping=((1, 0), (2, 2))), X2),
    ("Cropping2D", dict(cropping=1, **CF), X2_CF),
    ("Cropping3D", dict(cropping=((1, 1), (0, 2), (1, 0))), X3),
    ("UpSampling1D", dict(size=3), X1),
    ("UpSampling2D", dict(size=(2, 3)), X2),
    ("UpSampling2D", dict(size=(2, 3), interpolation="bilinear"), X2),
    ("UpSampling2D", dict(size=2, interpolation="bilinear", **CF), X2_CF),
    ("UpSampling3D", dict(size=(1, 2, 3), **CF), X3_CF),
    ("RepeatVector", dict(n=4), _x(2, 5)),
    ("Permute", dict(dims=(2, 1)), X1),
    ("Permute", dict(dims=(3, 1, 2)), X2),
]


def _id(case):
    name, kwargs, _ = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_parity_with_keras(case):
    name, kwargs, x = case
    ours, theirs = assert_layer_parity(lambda: getattr(kerax.layers, name)(**kwargs),
                                       lambda: getattr(keras().layers, name)(**kwargs), x, training=(False,))
    batchless = (None, *x.shape[1:])
    assert tuple(ours.compute_output_shape(batchless)) == tuple(theirs.compute_output_shape(batchless))


@pytest.mark.parametrize("name,kwargs,shape", [
    ("MaxPooling2D", dict(pool_size=3, strides=2), (None, 9, None, 4)),
    ("AveragePooling1D", dict(pool_size=2, padding="same", **CF), (None, 4, 7)),
    ("GlobalAveragePooling2D", dict(keepdims=True, **CF), (None, 3, None, None)),
    ("ZeroPadding2D", dict(padding=(1, 2)), (None, None, 5, 3)),
    ("Cropping2D", dict(cropping=((1, 1), (2, 0))), (None, 6, None, 3)),
    ("UpSampling2D", dict(size=(2, 3)), (None, 4, None, 3)),
    ("RepeatVector", dict(n=3), (None, 7)),
    ("Permute", dict(dims=(2, 1)), (None, None, 4)),
])
def test_compute_output_shape_with_a_none_batch(name, kwargs, shape):
    ours, theirs = getattr(kerax.layers, name)(**kwargs), getattr(keras().layers, name)(**kwargs)
    assert tuple(ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape(shape))


@pytest.mark.parametrize("cf", [False, True])
def test_global_average_pooling_1d_averages_only_unmasked_steps(cf):
    x = X1_CF if cf else X1
    mask = np.array([[True] * 4 + [False] * 5, [True] * 9])
    kwargs = CF if cf else {}
    ours, _ = assert_layer_parity(lambda: kerax.layers.GlobalAveragePooling1D(**kwargs),
                                  lambda: keras().layers.GlobalAveragePooling1D(**kwargs), x, training=(False,),
                                  call_kwargs={"mask": mask})
    steps = 2 if cf else 1
    masked = np.asarray(ours(x, mask=mask))
    np.testing.assert_allclose(masked[0], np.take(x[0:1], range(4), axis=steps).mean(axis=steps)[0], rtol=1e-5)
    np.testing.assert_allclose(masked[1], x[1:2].mean(axis=steps)[0], rtol=1e-5)


def _masked_model(lib, pooling):
    ids = lib.Input((6,), dtype="int32")
    embedded = lib.layers.Embedding(10, 4, mask_zero=True)(ids)
    return lib.Model(ids, getattr(lib.layers, pooling)()(embedded))


@pytest.mark.parametrize("pooling", ["GlobalAveragePooling1D", "GlobalMaxPooling1D"])
def test_global_1d_pools_treat_an_upstream_mask_as_keras_does(pooling):
    # Keras 3: the average uses only unmasked steps; the max ignores the mask. Neither passes it on.
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]], dtype=np.int32)
    theirs, ours = _masked_model(keras(), pooling), _masked_model(kerax, pooling)
    ours.set_weights(theirs.get_weights())
    out = ours.predict(ids, verbose=0)
    np.testing.assert_allclose(out, theirs.predict(ids, verbose=0), rtol=1e-6, atol=1e-6)
    table = theirs.get_weights()[0]
    if pooling == "GlobalAveragePooling1D":
        expected = table[ids[0, :3]].mean(axis=0)  # the three unmasked steps
    else:
        expected = table[ids[0]].max(axis=0)  # every step, the masked zeros included
    np.testing.assert_allclose(out[0], expected, rtol=1e-6)
    assert ours.outputs[0]._keras_mask is None


@pytest.mark.parametrize("name,kwargs,x", [
    ("UpSampling2D", dict(size=2, interpolation="bilinear"), X2),
    ("Cropping2D", dict(cropping=((1, 1), (2, 0))), X2),
])
def test_layers_inside_a_model_match_keras(name, kwargs, x):
    def build(lib):
        return lib.Sequential([lib.Input(x.shape[1:]), getattr(lib.layers, name)(**kwargs), lib.layers.Flatten()])

    np.testing.assert_allclose(build(kerax).predict(x, verbose=0), build(keras()).predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_aliases_are_keras_names():
    layers = kerax.layers
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool3D is layers.GlobalAveragePooling3D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D


@pytest.mark.parametrize("name", ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
                                  "AveragePooling2D", "AveragePooling3D"])
def test_pooling_signatures_and_defaults_are_keras(name):
    import inspect

    k = keras()
    ours, theirs = getattr(kerax.layers, name), getattr(k.layers, name)
    assert str(inspect.signature(ours.__init__)) == str(inspect.signature(theirs.__init__))
    if name.startswith("Average"):  # Keras requires the window of average pooling
        for lib in (kerax, k):
            with pytest.raises(TypeError, match="pool_size"):
                getattr(lib.layers, name)()
    else:
        config = {k: v for k, v in ours().get_config().items() if k in ("pool_size", "strides", "padding")}
        assert config == {k: v for k, v in theirs().get_config().items() if k in config}


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.MaxPooling2D((3, 2), strides=1, padding="same"),
    lambda lib: lib.layers.ZeroPadding2D(((1, 0), (2, 3))),
    lambda lib: lib.layers.Cropping1D((1, 2)),
    lambda lib: lib.layers.UpSampling2D(2, interpolation="bilinear"),
    lambda lib: lib.layers.Permute((2, 1)),
])
def test_config_round_trip(make):
    layer = make(kerax)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert set(layer.get_config()) == set(make(keras()).get_config())


BAD_ARGUMENTS = [
    ("MaxPooling2D", dict(pool_size=(2, 2, 2)),
     r"MaxPooling2D: argument `pool_size` must be an int or a tuple of 2 ints, received \(2, 2, 2\)"),
    ("AveragePooling1D", dict(pool_size=0), r"AveragePooling1D: every value of argument `pool_size` must be > 0"),
    ("MaxPooling1D", dict(strides=(0,)), r"MaxPooling1D: every value of argument `strides` must be > 0"),
    ("MaxPooling2D", dict(padding="causal"),
     r"MaxPooling2D: argument `padding` must be one of \('valid', 'same'\), received 'causal'"),
    ("ZeroPadding2D", dict(padding=(1, 2, 3)),
     r"ZeroPadding2D: argument `padding` must be an int, a tuple of 2 ints or a tuple of 2 pairs"),
    ("ZeroPadding1D", dict(padding=-1), r"ZeroPadding1D: every value of argument `padding` must be >= 0"),
    ("Cropping3D", dict(cropping=((1, 1), (1, 1))),
     r"Cropping3D: argument `cropping` must be an int, a tuple of 3 ints"),
    ("UpSampling1D", dict(size=0), r"UpSampling1D: argument `size` must be a positive integer, received 0"),
    ("UpSampling2D", dict(interpolation="area"), r"UpSampling2D: argument `interpolation` must be one of"),
    ("RepeatVector", dict(n=2.5), r"RepeatVector: argument `n` must be a positive integer, received 2.5"),
    ("Permute", dict(dims=(0, 1)), r"Permute: argument `dims` must be a permutation of 1..n"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD_ARGUMENTS)
def test_bad_arguments_are_refused(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(kerax.layers, name)(**kwargs)


def test_inputs_too_small_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"Layer 'pool': an input of shape \(None, 1, 4, 3\) gives an output"):
        kerax.Sequential([kerax.Input((1, 4, 3)), kerax.layers.MaxPooling2D(name="pool")])
    with pytest.raises(ValueError, match=r"Layer 'crop': argument `cropping` \(\(2, 2\), \(0, 0\)\) must leave"):
        kerax.Sequential([kerax.Input((4, 4, 3)), kerax.layers.Cropping2D(((2, 2), (0, 0)), name="crop")])


def test_wrong_rank_is_refused_with_keras_wording():
    with pytest.raises(ValueError, match=r"Input 0 of layer 'gp' is incompatible with the layer: expected ndim=3"):
        kerax.layers.GlobalMaxPooling1D(name="gp")(X2)
