"""A training process for tests/runtime/test_interruption.py, started once for all its SIGINT
tests: for each line `<K> <n>` on stdin it runs fit, evaluate and predict of a model with
steps_per_execution=K in turn until a SIGINT lands, then checks the model is usable and says
so, `n` times, then prints `END`. The models are built once per K, and their programs compiled
once, so the interrupts cost only the training they interrupt."""
import signal
import sys

import numpy as np

import kerax

# Python leaves SIGINT ignored when it starts with it ignored (a shell starts background jobs so):
# install Ctrl-C's handler explicitly.
signal.signal(signal.SIGINT, signal.default_int_handler)
rng = np.random.default_rng(0)
x = rng.standard_normal((512, 4)).astype("float32")
y = rng.standard_normal((512, 1)).astype("float32")
models = {}


def model_for(k):
    if k not in models:
        model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(8, activation="relu"),
                                  kerax.layers.Dropout(0.2), kerax.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"], steps_per_execution=k)
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
        model.evaluate(x, y, batch_size=4, verbose=0)
        model.predict(x, batch_size=4, verbose=0)
        check(model)  # compiles the checks' programs too: a round costs only its training
        models[k] = model
    return models[k]


def interrupt_rounds(model, n):
    for i in range(n):
        interrupted = None
        try:
            print("READY", flush=True)
            for call in range(10**6):
                interrupted = ("fit", "evaluate", "predict")[call % 3]
                if interrupted == "fit":
                    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
                elif interrupted == "evaluate":
                    model.evaluate(x, y, batch_size=4, verbose=0)
                else:
                    model.predict(x, batch_size=4, verbose=0)
        except KeyboardInterrupt:
            pass
        check(model)
        print(f"USABLE {i} after interrupting {interrupted}", flush=True)


def check(model):
    weights = model.get_weights()
    assert all(np.isfinite(w).all() for w in weights), "weights not finite"
    iterations = int(model.optimizer.iterations.numpy())
    assert model.predict(x[:8], verbose=0).shape == (8, 1)
    model.evaluate(x[:8], y[:8], verbose=0)
    model.fit(x[:8], y[:8], batch_size=4, epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == iterations + 2, "fit did not train 2 steps"


for line in sys.stdin:
    k, n = map(int, line.split())
    interrupt_rounds(model_for(k), n)
    print("END", flush=True)
