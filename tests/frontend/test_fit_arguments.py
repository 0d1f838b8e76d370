"""fit's arguments with Keras semantics: validation_split, initial_epoch, steps_per_epoch,
generators and PyDataset-like inputs, learning-rate schedules."""
import numpy as np
import pytest

import kerax

RNG = np.random.default_rng(0)
X = RNG.standard_normal((50, 3)).astype(np.float32)
Y = (X.sum(1, keepdims=True) > 0).astype(np.float32)


def model(optimizer="sgd", k=1):
    m = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"], steps_per_execution=k)
    return m


def test_validation_split_takes_the_last_fraction_before_shuffling():
    m = model()
    history = m.fit(X, Y, validation_split=0.2, epochs=1, batch_size=8, verbose=0)
    val_loss = history.history["val_loss"][0]
    np.testing.assert_allclose(val_loss, m.evaluate(X[40:], Y[40:], verbose=0)[0], rtol=1e-6)
    assert not np.isclose(val_loss, m.evaluate(X[:10], Y[:10], verbose=0)[0])


def test_initial_epoch_and_steps_per_epoch():
    m = model()
    history = m.fit(X, Y, epochs=5, initial_epoch=3, batch_size=10, steps_per_epoch=2, verbose=0)
    assert history.epoch == [3, 4]
    assert m.optimizer.iterations.numpy() == 4


class Batches:
    """A PyDataset-like object: __len__ and __getitem__ give batches."""

    def __init__(self, x, y, batch):
        self.x, self.y, self.batch = x, y, batch
        self.epochs_ended = 0

    def on_epoch_end(self):
        self.epochs_ended += 1

    def __len__(self):
        return -(-len(self.x) // self.batch)

    def __getitem__(self, i):
        s = slice(i * self.batch, (i + 1) * self.batch)
        return self.x[s], self.y[s]


def test_dataset_objects_and_generators_train_like_arrays():
    ref, from_dataset, from_generator = model(k=2), model(k=2), model(k=2)
    for other in (from_dataset, from_generator):
        other.set_weights(ref.get_weights())
    ref.fit(X, Y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    dataset = Batches(X, Y, 10)
    from_dataset.fit(dataset, epochs=2, verbose=0)
    assert dataset.epochs_ended == 2

    def generator():
        while True:
            for i in range(5):
                yield X[i * 10:(i + 1) * 10], Y[i * 10:(i + 1) * 10]

    from_generator.fit(generator(), steps_per_epoch=5, epochs=2, verbose=0)
    for other in (from_dataset, from_generator):
        for a, b in zip(ref.get_weights(), other.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(ValueError, match="`y` must be None when `x` is a generator"):
        ref.fit(generator(), Y, steps_per_epoch=1, verbose=0)


def test_learning_rate_schedule_advances_inside_the_scan():
    # The rate changes after steps 1 and 2, both inside the first 4-step execution: a schedule
    # read once per dispatch would apply 0.5 to all four steps and part from the K=1 run.
    def trained(k):
        kerax.utils.set_random_seed(3)
        schedule = kerax.optimizers.schedules.PiecewiseConstantDecay([1, 2], [0.5, 0.2, 0.05])
        m = model(kerax.optimizers.SGD(schedule), k=k)
        weights = []

        class Record(kerax.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                weights.append(self.model.get_weights()[0].copy())

        m.fit(X[:40], Y[:40], batch_size=5, epochs=1, shuffle=False, verbose=0, callbacks=[Record()])
        return weights

    one, four = trained(1), trained(4)
    assert len(one) == 8 and len(four) == 2
    np.testing.assert_allclose(four[0], one[3], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(four[1], one[7], rtol=1e-6, atol=1e-7)
    assert not np.allclose(one[2], one[3])  # the last rate still moves the weights
