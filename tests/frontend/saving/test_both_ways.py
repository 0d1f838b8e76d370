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


@pytest.mark.parametrize("writer", ["keras", "kerax"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_file_loads_into_the_other(name, writer, tmp_path):
    """Saved by one (`.keras` and `.weights.h5`), loaded by the other: the same predictions."""
    source, reader = (keras, kerax) if writer == "keras" else (kerax, keras)
    saved = BUILDERS[name](source)
    randomize(saved)
    saved.save(tmp_path / "m.keras")
    saved.save_weights(tmp_path / "m.weights.h5")
    x = inputs_for(saved)
    expected = predictions(saved, x)
    loaded = reader.models.load_model(tmp_path / "m.keras")
    assert [l.name for l in loaded.layers] == [l.name for l in saved.layers]
    assert_same(predictions(loaded, x), expected)
    twin = BUILDERS[name](reader)
    twin.load_weights(tmp_path / "m.weights.h5")
    assert_same(predictions(twin, x), expected)
    if writer == "kerax":  # and kerax reads its own file back
        assert_same(predictions(kerax.models.load_model(tmp_path / "m.keras"), x), expected)
