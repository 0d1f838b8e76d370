"""Stateful models at the model level: fixed batch size, state carried by predict and
train_on_batch, and the errors the Keras FAQ's rules call for."""
import numpy as np
import pytest

import kerax

RNG = np.random.default_rng(1)
X = RNG.standard_normal((8, 6, 3)).astype("float32")


def stateful(batch=4):
    model = kerax.Sequential([kerax.Input(batch_shape=(batch, 6, 3)), kerax.layers.GRU(5, stateful=True),
                              kerax.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_predict_carries_state_from_batch_to_batch():
    model = stateful()
    together = model.predict(X, batch_size=4, verbose=0)  # two batches: the second starts from the first's state
    model.reset_states()
    first = model.predict_on_batch(X[:4])
    second = model.predict_on_batch(X[4:])
    np.testing.assert_allclose(together, np.concatenate([first, second]), rtol=1e-5, atol=1e-6)
    model.reset_states()
    fresh_second = model.predict_on_batch(X[4:])
    assert not np.allclose(fresh_second, second, atol=1e-4)


def test_train_on_batch_carries_state():
    model = stateful()
    gru = model.layers[0]
    model.train_on_batch(X[:4], np.zeros((4, 1), np.float32))
    after_one = gru.states[0].numpy().copy()
    assert np.any(after_one != 0)
    model.train_on_batch(X[4:], np.zeros((4, 1), np.float32))
    assert not np.allclose(gru.states[0].numpy(), after_one)
    model.reset_states()
    assert not np.any(gru.states[0].numpy())


def test_fit_with_shuffle_is_a_clear_error():
    model = stateful()
    with pytest.raises(ValueError, match=r"stateful: shuffle=True would break the order.*shuffle=False"):
        model.fit(X, np.zeros((8, 1), np.float32), batch_size=4, epochs=1, verbose=0)
    model.fit(X, np.zeros((8, 1), np.float32), batch_size=4, epochs=1, verbose=0, shuffle=False)


def test_wrong_batch_size_or_sample_count_is_a_clear_error():
    model = stateful()
    with pytest.raises(ValueError, match=r"stateful with batch size 4; received batch_size=2"):
        model.fit(X, np.zeros((8, 1), np.float32), batch_size=2, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match=r"must be a multiple of it, received 6 samples"):
        model.predict(X[:6], verbose=0)
