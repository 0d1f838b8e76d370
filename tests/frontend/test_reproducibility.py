"""kerax.utils.set_random_seed: two identical runs give bitwise-identical weights on CPU."""
import numpy as np

import kerax


def run(seed=1337):
    kerax.utils.clear_session()
    kerax.utils.set_random_seed(seed)
    model = kerax.Sequential([kerax.Input((12,)), kerax.layers.Dense(16, activation="relu"), kerax.layers.Dropout(0.3),
                              kerax.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=3)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((100, 12)).astype(np.float32), rng.integers(0, 3, 100)
    model.fit(x, y, batch_size=10, epochs=3, verbose=0)  # shuffled with the seeded NumPy generator
    return model.get_weights()


def test_identical_runs_are_bitwise_identical():
    first, second = run(), run()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_another_seed_gives_other_weights():
    first, other = run(), run(seed=1)
    for a, b in zip(first, other):
        assert not np.allclose(a, b)
