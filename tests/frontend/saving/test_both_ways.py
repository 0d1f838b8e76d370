"""Files move both ways between Keras 3 and kerax: the same model built in both (with the same
weights), saved by each, loaded by the other, gives the same predictions (to 1e-5).

Both directions share one test per model: Keras compiles its weight initializers once per
shape, and the caches are cleared between tests."""
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
def test_files_load_into_the_other(name, tmp_path):
    """Saved by each (`.keras` and `.weights.h5`), loaded by the other: the same predictions."""
    by_keras, by_kerax = BUILDERS[name](keras), BUILDERS[name](kerax)
    randomize(by_keras)
    by_kerax.set_weights(by_keras.get_weights())
    x = inputs_for(by_keras)
    expected = predictions(by_keras, x)
    assert_same(predictions(by_kerax, x), expected)  # the twins are the same model
    for writer, reader, twin in ((by_keras, kerax, by_kerax), (by_kerax, keras, by_keras)):
        stem = os.fspath(tmp_path / type(writer).__module__.split(".")[0])
        writer.save(stem + ".keras")
        writer.save_weights(stem + ".weights.h5")
        loaded = reader.models.load_model(stem + ".keras")
        assert [l.name for l in loaded.layers] == [l.name for l in writer.layers]
        assert_same(predictions(loaded, x), expected)
        randomize(twin, seed=2)  # weights that differ, then the file's
        twin.load_weights(stem + ".weights.h5")
        assert_same(predictions(twin, x), expected)
    # and kerax reads its own file back
    assert_same(predictions(kerax.models.load_model(os.fspath(tmp_path / "kerax.keras")), x), expected)
