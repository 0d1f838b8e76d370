"""Keras's tolerance of data in fit: generators that run out, empty or list validation data,
inputs with an extra trailing axis of size 1."""
import numpy as np
import pytest

import kerax
from parity import keras

X = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
Y = X.sum(axis=1, keepdims=True)


def model_of(lib, k=1):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=k)
    return model


@pytest.mark.parametrize("steps_per_epoch", [None, 2])
def test_a_generator_that_runs_out_warns_and_keeps_the_history(steps_per_epoch):
    def batches():
        for i in range(3):
            yield X[i * 4:(i + 1) * 4], Y[i * 4:(i + 1) * 4]

    model = model_of(kerax, k=2)
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        history = model.fit(batches(), epochs=4, steps_per_epoch=steps_per_epoch, verbose=0)
    assert history.epoch == [0, 1][: 1 if steps_per_epoch is None else 2]
    assert model.history is history and len(history.history["loss"]) == len(history.epoch)
    assert int(model.optimizer.iterations.numpy()) == 3


def test_empty_validation_data_warns_and_skips_validation():
    model = model_of(kerax)
    with pytest.warns(UserWarning, match="`validation_data` holds no samples; validation is skipped"):
        history = model.fit(X, Y, epochs=2, verbose=0, validation_data=(X[:0], Y[:0]))
    assert set(history.history) == {"loss"} and len(history.epoch) == 2


def test_validation_data_as_a_list_or_tuple_and_validation_freq():
    for validation_data in ([X, Y], (X, Y)):
        history = model_of(kerax).fit(X, Y, epochs=4, verbose=0, validation_data=validation_data, validation_freq=2)
        assert len(history.history["val_loss"]) == 2
    with pytest.raises(ValueError, match="Expected `validation_freq` to be a list or int"):
        model_of(kerax).fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), validation_freq="2")


def test_an_extra_trailing_axis_of_size_one_is_squeezed_as_keras_does():
    ours, theirs = model_of(kerax), model_of(keras())
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.fit(X[:, :, None], Y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(ours.predict(X[:, :, None], verbose=0), theirs.predict(X[:, :, None], verbose=0),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="expected shape"):
        ours.predict(X[:, :, None, None], verbose=0)
