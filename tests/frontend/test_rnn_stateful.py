"""Stateful RNNs: states kept in non-trainable variables of a fixed batch size, carried across
calls, predict batches and fit batches, zeroed by reset_states, checked against Keras 3 running
the same layer over the concatenated sequence."""
import numpy as np
import pytest
from parity import keras

import kerax

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 10, 5)).astype("float32")


def _keras_reference(layer_name, weights, x, **kwargs):
    """Keras's stateless layer over the whole sequence: what two stateful halves must add up to."""
    reference = getattr(keras().layers, layer_name)(**kwargs)
    reference(x)
    reference.set_weights(weights)
    out = reference(x)
    return [np.asarray(t) for t in out] if kwargs.get("return_state") else np.asarray(out)


def _stateful_model():
    return kerax.Sequential([kerax.Input(batch_shape=(4, 5, 5)),
                             kerax.layers.LSTM(4, stateful=True, return_sequences=True, name="memory")])


def test_predict_on_batch_carries_state():
    model = _stateful_model()
    first = model.predict_on_batch(X[:, :5])
    second = model.predict_on_batch(X[:, 5:])
    assert not np.allclose(first, second, atol=1e-3)
    whole = _keras_reference("LSTM", model.get_weights(), X, units=4, return_sequences=True)
    np.testing.assert_allclose(first, whole[:, :5], atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(second, whole[:, 5:], atol=1e-5, rtol=1e-5)

    model.reset_states()
    np.testing.assert_allclose(model.predict_on_batch(X[:, :5]), first, atol=1e-6)
    model.get_layer("memory").reset_states()
    np.testing.assert_allclose(model.predict_on_batch(X[:, :5]), first, atol=1e-6)
    model.get_layer("memory").reset_state()
    assert all(not np.any(v.numpy()) for v in model.get_layer("memory").states)


def test_other_batch_size_is_a_clear_error():
    model = _stateful_model()
    model.predict_on_batch(X[:, :5])
    with pytest.raises(ValueError, match="batch size 4.*3"):
        model.predict_on_batch(X[:3, :5])
    layer = kerax.layers.GRU(4, stateful=True, name="carry")
    layer(X[:, :5])
    with pytest.raises(ValueError, match="Layer 'carry' is stateful.*Expected batch size: 4, received batch size: 3"):
        layer(X[:3, :5])


def test_unknown_batch_size_is_a_clear_error():
    with pytest.raises(ValueError, match="Layer 'memory' is stateful, so it needs a fixed batch size.*batch_shape"):
        kerax.Sequential([kerax.Input((5, 5)), kerax.layers.LSTM(4, stateful=True, name="memory")])


def test_states_are_variables_not_weights():
    model = _stateful_model()
    layer = model.get_layer("memory")
    assert [v.name for v in layer.weights] == ["kernel", "recurrent_kernel", "bias"]  # Keras's get_weights()
    assert [tuple(v.shape) for v in layer.states] == [(4, 4), (4, 4)]
    assert all(not v.trainable for v in layer.states)
    assert all(any(s is v for v in layer.variables) for s in layer.states)
    non_trainable = model.non_trainable_variables
    assert all(any(s is v for v in non_trainable) for s in layer.states)
    theirs = keras().Sequential([keras().Input(batch_shape=(4, 5, 5)),
                                 keras().layers.LSTM(4, stateful=True, return_sequences=True)])
    model.set_weights(theirs.get_weights())  # weights move by set_weights alone


def test_layer_call_carries_state_and_resets():
    layer = kerax.layers.SimpleRNN(4, stateful=True, return_state=True)
    out_1, h_1 = layer(X[:, :4])
    out_2, h_2 = layer(X[:, 4:])
    np.testing.assert_allclose(out_2, h_2)
    np.testing.assert_allclose(layer.states[0].numpy(), h_2, atol=1e-6)
    _, h_whole = _keras_reference("SimpleRNN", layer.get_weights(), X, units=4, return_state=True)
    np.testing.assert_allclose(h_2, h_whole, atol=1e-5, rtol=1e-5)
    layer.reset_states()
    np.testing.assert_allclose(layer(X[:, :4])[0], out_1, atol=1e-6)


def test_fit_threads_state_across_batches():
    # learning rate 0: the weights stay put, so the state after two batches of 4 is the state after the
    # concatenated sequence of each sample's two halves (samples i and 4 + i share a row of the state).
    model = kerax.Sequential([kerax.Input(batch_shape=(4, 5, 5)), kerax.layers.GRU(4, stateful=True, name="carry"),
                              kerax.layers.Dense(1)])
    model.compile(optimizer=kerax.optimizers.SGD(learning_rate=0.0), loss="mse")
    x = np.concatenate([X[:, :5], X[:, 5:]], axis=0)
    model.fit(x, np.zeros((8, 1), "float32"), batch_size=4, shuffle=False, epochs=1, verbose=0)
    layer = model.get_layer("carry")
    _, h_whole = _keras_reference("GRU", layer.get_weights(), X, units=4, return_state=True)
    np.testing.assert_allclose(layer.states[0].numpy(), h_whole, atol=1e-5, rtol=1e-5)
    model.reset_states()
    assert not np.any(layer.states[0].numpy())


def test_bidirectional_stateful():
    layer = kerax.layers.Bidirectional(kerax.layers.LSTM(4, stateful=True))
    first = layer(X[:, :5])
    assert layer.stateful and len(layer.states) == 4
    assert not np.allclose(layer(X[:, :5]), first, atol=1e-4)
    layer.reset_states()
    np.testing.assert_allclose(layer(X[:, :5]), first, atol=1e-6)
