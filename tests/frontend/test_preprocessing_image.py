"""Image preprocessing layers against Keras 3: the same seed draws the same flips, angles,
zooms, shifts, contrasts and crops (kerax draws from Keras's key stream), on batches and single
images, in training and inference; and inside a model they are IR ops that `fit` runs."""
import numpy as np
import pytest

import kerax
from kerax import layers
from parity import keras

RNG = np.random.default_rng(0)
IMAGES = (RNG.random((2, 6, 7, 2)) * 255).astype("float32")

CASES = [
    ("RandomFlip", {"mode": "horizontal_and_vertical", "seed": 3}),
    ("RandomRotation", {"factor": 0.2, "seed": 3}),
    ("RandomRotation", {"factor": (-0.1, 0.3), "seed": 4, "fill_mode": "constant", "interpolation": "nearest"}),
    ("RandomZoom", {"height_factor": 0.3, "seed": 3}),
    ("RandomZoom", {"height_factor": (-0.2, 0.1), "width_factor": 0.3, "seed": 9, "fill_mode": "wrap"}),
    ("RandomTranslation", {"height_factor": 0.2, "width_factor": (-0.1, 0.3), "seed": 3}),
    ("RandomContrast", {"factor": 0.5, "seed": 3}),
    ("RandomCrop", {"height": 4, "width": 5, "seed": 3}),
    ("RandomCrop", {"height": 6, "width": 3, "seed": 3}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_random_layers_draw_what_keras_draws(name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras().layers, name)(**kwargs)
    # Called on its own a random layer trains (Keras's default); a second call draws afresh.
    for images, training in [(IMAGES, None), (IMAGES, None), (IMAGES[0], True), (IMAGES[0], False)]:
        call = {} if training is None else {"training": training}
        expected = np.asarray(theirs(images, **call))
        got = np.asarray(ours(images, **call))
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, atol=1e-3)


@pytest.mark.parametrize("name,kwargs", [
    ("Resizing", {"height": 3, "width": 4, "crop_to_aspect_ratio": True, "interpolation": "nearest"}),
    ("Resizing", {"height": 4, "width": 12, "pad_to_aspect_ratio": True, "fill_value": 3.0}),
    ("Resizing", {"height": 4, "width": 4, "antialias": True, "interpolation": "bicubic"}),
    ("CenterCrop", {"height": 4, "width": 5}),
    ("CenterCrop", {"height": 8, "width": 5}),
])
def test_geometry_layers_match_keras(name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras().layers, name)(**kwargs)
    for images in (IMAGES, IMAGES[0].astype("uint8")):
        expected, got = np.asarray(theirs(images)), np.asarray(ours(images))
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got.astype("float32"), expected.astype("float32"), atol=1e-3)


def test_augmentation_in_a_model_trains_randomly_and_predicts_plainly():
    model = kerax.Sequential([kerax.Input((8, 8, 1)), layers.RandomFlip("horizontal", seed=1),
                              layers.RandomRotation(0.1, seed=2), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=2)
    x, y = RNG.random((8, 8, 8, 1)).astype("float32"), RNG.random((8, 1)).astype("float32")
    state = [np.asarray(v) for v in model.layers[0].generator.state.numpy()]
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    # Four steps ran, each drawing once per layer: Keras's counter advanced four times.
    assert list(model.layers[0].generator.state.numpy()) == [state[0], state[1] + 4]
    compiled = model.execution_stats.compilations
    model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    assert model.execution_stats.compilations == compiled  # fresh draws every step, no recompilation
    assert list(model.layers[0].generator.state.numpy()) == [state[0], state[1] + 12]
    # Inference is the identity for the augmentations: predict equals the dense head alone.
    plain = kerax.Sequential([kerax.Input((8, 8, 1)), layers.Flatten(), layers.Dense(1)])
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), plain.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_calling_a_model_augments_as_keras_does():
    # model(x) leaves `training` unset, so the layers take their own default: True for augmentations.
    ours = kerax.Sequential([kerax.Input((6, 7, 2)), layers.RandomFlip(seed=3)])
    theirs = keras().Sequential([keras().Input((6, 7, 2)), keras().layers.RandomFlip(seed=3)])
    np.testing.assert_array_equal(np.asarray(ours(IMAGES)), np.asarray(theirs(IMAGES)))
    np.testing.assert_array_equal(np.asarray(ours.predict(IMAGES, verbose=0)), IMAGES)


def test_augmentations_are_ir_ops_in_training_only():
    from kerax.frontend.models.programs import trace_model
    from kerax.tools.irdump import model_signature

    inputs = kerax.Input((8, 8, 3))
    model = kerax.Model(inputs, layers.RandomZoom(0.2, seed=1)(layers.Resizing(6, 6)(inputs)))
    ops = {}
    for training in (True, False):
        graph, _ = trace_model(model, model_signature(model), training=training)
        ops[training] = {node.op for node in graph.nodes}
    assert {"image_resize", "image_affine_transform", "uniform_from_key", "rng_count"} <= ops[True]
    assert "image_resize" in ops[False] and not ops[False] & {"image_affine_transform", "uniform_from_key"}


@pytest.mark.parametrize("make,message", [
    (lambda: layers.RandomRotation(1.5), "factor"),
    (lambda: layers.RandomZoom(-1.0), "height_factor"),
    (lambda: layers.RandomFlip("sideways"), "mode"),
    (lambda: layers.RandomTranslation(0.1, 0.1, fill_mode="smear"), "fill_mode"),
    (lambda: layers.Resizing(0, 3), "height"),
    (lambda: layers.Resizing(2, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "only one"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises((ValueError, NotImplementedError), match=message):
        make()


def test_rank_is_checked():
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        layers.RandomFlip(seed=1)(np.ones((2, 3), "float32"))


def test_config_round_trip():
    layer = layers.RandomZoom((-0.2, 0.1), 0.3, fill_mode="nearest", seed=4)
    config = layer.get_config()
    assert config["fill_mode"] == "nearest" and config["seed"] == 4
    again = layers.RandomZoom.from_config(config)
    np.testing.assert_array_equal(np.asarray(again(IMAGES)), np.asarray(layer(IMAGES)))
