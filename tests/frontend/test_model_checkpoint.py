"""ModelCheckpoint: Keras 3's file names, save_best_only, save_weights_only and save_freq; the
files are written in the background from a consistent copy of the state."""
import numpy as np
import pytest

import kerax

if not hasattr(kerax.Model, "save_weights"):
    pytest.skip("model.save / save_weights are not available (the saving work has not landed)",
                allow_module_level=True)

X = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
Y = X.sum(axis=1, keepdims=True)


def model_of(k=1):
    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], steps_per_execution=k)
    return model


def test_formatted_paths_every_epoch_and_the_weights_they_hold(tmp_path):
    model = model_of()
    seen = []
    keep = kerax.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(model.get_weights()))
    path = str(tmp_path / "w-{epoch:02d}-{loss:.3f}.weights.h5")
    history = model.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                        callbacks=[kerax.callbacks.ModelCheckpoint(path, save_weights_only=True), keep])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"w-{e + 1:02d}-{history.history['loss'][e]:.3f}.weights.h5" for e in range(3)]
    for name, weights in zip(names, seen):  # each file holds its epoch's weights, not later ones
        fresh = model_of()
        fresh.load_weights(tmp_path / name)
        for a, b in zip(fresh.get_weights(), weights):
            np.testing.assert_array_equal(a, b)


def test_save_best_only_and_batch_frequency(tmp_path):
    model = model_of(k=2)
    best = kerax.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="val_loss", save_best_only=True)
    batches = kerax.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}b{batch}.weights.h5"), save_weights_only=True,
                                              save_freq=3)
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0, validation_data=(X, Y), callbacks=[best, batches])
    # 8 steps per epoch in executions of 2: batch hooks at 1, 3, 5, 7, each adding 2 batches to
    # Keras's count, a save when it reaches 3 (then 0): after batches 4 and 8 of each epoch.
    assert sorted(p.name for p in tmp_path.glob("e*")) == ["e1b4.weights.h5", "e1b8.weights.h5",
                                                           "e2b4.weights.h5", "e2b8.weights.h5"]
    assert (tmp_path / "best.keras").exists()
    assert best.best == pytest.approx(min(model.history.history["val_loss"]))


def test_bad_arguments_are_keras_errors(tmp_path):
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        kerax.callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match="must end in `.keras`"):
        kerax.callbacks.ModelCheckpoint(str(tmp_path / "w.txt"))
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        kerax.callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_freq="batch")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        model_of().fit(X, Y, epochs=1, verbose=0,
                       callbacks=[kerax.callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))])
