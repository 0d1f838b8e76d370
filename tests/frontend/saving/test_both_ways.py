"""Files move both ways between Keras 3 and kerax: the same model built in both, saved by
one, loaded by the other, gives the same predictions (to 1e-5)."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402

from twins import BUILDERS, inputs_for, predictions, randomize  # noqa: E402

ATOL = 1e-5


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, atol=ATOL, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keras_file_loads_into_kerax(name, tmp_path):
    theirs = BUILDERS[name](keras)
    randomize(theirs)
    theirs.save(tmp_path / "m.keras")
    theirs.save_weights(tmp_path / "m.weights.h5")
    x = inputs_for(theirs)
    expected = predictions(theirs, x)
    loaded = kerax.models.load_model(tmp_path / "m.keras")
    assert [l.name for l in loaded.layers] == [l.name for l in theirs.layers]
    assert_same(predictions(loaded, x), expected)
    twin = BUILDERS[name](kerax)
    twin.load_weights(tmp_path / "m.weights.h5")
    assert_same(predictions(twin, x), expected)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_kerax_file_loads_into_keras(name, tmp_path):
    ours = BUILDERS[name](kerax)
    randomize(ours)
    ours.save(tmp_path / "m.keras")
    ours.save_weights(tmp_path / "m.weights.h5")
    x = inputs_for(ours)
    expected = predictions(ours, x)
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert_same(predictions(loaded, x), expected)
    twin = BUILDERS[name](keras)
    twin.load_weights(tmp_path / "m.weights.h5")
    assert_same(predictions(twin, x), expected)
    # and kerax reads its own file back
    assert_same(predictions(kerax.models.load_model(tmp_path / "m.keras"), x), expected)
