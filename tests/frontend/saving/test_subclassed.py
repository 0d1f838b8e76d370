"""A subclassed model saves and loads through its own get_config, as in Keras."""
import numpy as np

import kerax


@kerax.saving.register_keras_serializable(package="tests")
class TwoLayers(kerax.Model):
    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.first = kerax.layers.Dense(hidden, activation="relu")
        self.second = kerax.layers.Dense(2)

    def call(self, x):
        return self.second(self.first(x))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def test_subclassed_model_round_trips(tmp_path):
    x = np.random.default_rng(0).standard_normal((3, 5)).astype("float32")
    model = TwoLayers(hidden=6)
    model.compile("adam", "mse")
    model.fit(x, np.ones((3, 2), "float32"), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = kerax.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded, TwoLayers) and loaded.hidden == 6
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert int(loaded.optimizer.iterations.numpy()) == 1
