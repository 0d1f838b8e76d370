"""`make demo`: train a small convnet on the 8x8 handwritten digits (shipped with scikit-learn),
K steps per dispatch, and show what kerax did: the optimized IR, the compile and dispatch
counts, and the throughput."""
from __future__ import annotations

import time

import numpy as np

import kerax
from kerax.ir import format_table


def load_digits():
    from sklearn.datasets import load_digits as sklearn_digits

    data = sklearn_digits()
    x = (data.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1) in [0, 1]
    y = data.target.astype("int32")
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


class EpochTimer(kerax.callbacks.Callback):
    """Seconds per epoch, to tell compilation (first epoch) from steady-state speed."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def convnet():
    inputs = kerax.Input((8, 8, 1), name="digit")
    x = kerax.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = kerax.layers.BatchNormalization()(x)
    x = kerax.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = kerax.layers.MaxPooling2D(2)(x)
    x = kerax.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = kerax.layers.GlobalAveragePooling2D()(x)
    x = kerax.layers.Dropout(0.2)(x)
    outputs = kerax.layers.Dense(10, activation="softmax", name="digit_class")(x)
    return kerax.Model(inputs, outputs, name="digits_convnet")


def main() -> int:
    kerax.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_digits()
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels\n")
    model = convnet()
    model.summary()
    k = 8
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=k)
    timer = EpochTimer()
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=32, epochs=12, validation_split=0.1, verbose=1, callbacks=[timer])
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)

    program = model._programs[next(key for key in model._programs if key[1])]
    print("\nThe training graph after the pass pipeline (per sample):")
    print(format_table(program.graph))
    passes = ", ".join(f"{name} {sec * 1e3:.1f} ms" for name, sec in program.manager.report.seconds.items())
    print(f"passes: {passes}; {len(program.traced.nodes)} nodes traced -> {len(program.graph.nodes)} after the pipeline")
    stats = model.execution_stats
    steps_per_epoch = -(-int(len(x_train) * 0.9) // 32)
    steps = len(history.epoch) * steps_per_epoch
    print(f"\n{steps} training steps in {stats.dispatches} dispatches of up to {k} steps "
          f"({stats.compilations} programs compiled in all, validation and evaluation included)")
    later = timer.seconds[1:]  # the first epoch compiles
    print(f"training took {seconds:.1f} s with compilation; after the first epoch "
          f"{steps_per_epoch * len(later) / sum(later):,.0f} steps/s (validation included)")
    print(f"test accuracy: {accuracy:.2%} (loss {loss:.4f})")
    return 0 if accuracy >= 0.95 else 1


if __name__ == "__main__":
    raise SystemExit(main())
