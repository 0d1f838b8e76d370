"""What fit, evaluate and predict print, against what Keras 3 prints for the same calls.

Times and metric values differ from run to run; everything else must be the same characters:
"Epoch k/n", the bar (its width, `i/n`, the ━ and their ANSI colours), the step-time unit's
place, the metric columns and their order, `val_` columns, evaluate's and predict's final line.
"""
import contextlib
import io
import re

import keras
import numpy as np
import pytest

import kerax

X = np.random.default_rng(0).random((40, 4), dtype=np.float32)
Y = (X.sum(axis=1) > 2).astype("int32")
CALLS = ["fit one epoch", "fit two epochs", "evaluate", "predict"]


def run(library, verboses, steps_per_execution=1, calls=CALLS):
    """{verbose: {call: stdout}} for each call in CALLS, with one model of `library` (one
    model for all: compiling is what takes time here)."""
    model = library.Sequential([library.Input((4,)), library.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    return {verbose: _print_calls(model, verbose, calls) for verbose in verboses}


def _print_calls(model, verbose, names):
    calls = {
        "fit one epoch": lambda: model.fit(X, Y, batch_size=8, epochs=1, verbose=verbose),
        "fit two epochs": lambda: model.fit(X, Y, batch_size=8, epochs=2, verbose=verbose, validation_data=(X, Y)),
        "evaluate": lambda: model.evaluate(X, Y, batch_size=8, verbose=verbose),
        "predict": lambda: model.predict(X, batch_size=8, verbose=verbose),
    }
    printed = {}
    for name in names:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            calls[name]()
        printed[name] = out.getvalue()
    return printed


def mask(text: str) -> str:
    """Times, values and the padding that follows a shorter redraw, masked."""
    text = re.sub(r"\d+(us|ms|s)/step", "T/step", text)
    text = re.sub(r"\d+s\b", "Ts", text)
    text = re.sub(r": -?\d+\.\d+(e[-+]\d+)?", ": V", text)
    return text.rstrip(" ")


def mask_progress(draw: str) -> str:
    """A drawing before the last: which step it shows depends on timing, so the step and the
    split of the bar are masked too (test_the_expected_lines_are_there checks one exactly)."""
    draw = re.sub(r"\d+/(\d+)", r"i/\1", draw)
    return re.sub(r"(\x1b\[32m━+\x1b\[0m)?\x1b\[37m━*\x1b\[0m", "BAR", mask(draw))


def structure(text: str) -> list:
    """Per printed line: how its redrawings look (masked) and its last drawing."""
    lines = []
    for line in text.split("\n"):
        draws = [d.rstrip("\b") for d in line.split("\r")]
        lines.append(({mask_progress(d) for d in draws[1:-1]}, mask(draws[-1])))
    return lines


@pytest.fixture(scope="module")
def printed():
    return {(library.__name__, verbose): calls for library in (keras, kerax)
            for verbose, calls in run(library, (0, 1, 2, "auto")).items()}


@pytest.mark.parametrize("verbose", [0, 1, 2, "auto"])
@pytest.mark.parametrize("call", CALLS)
def test_printed_like_keras(printed, call, verbose):
    ours, theirs = printed["kerax", verbose][call], printed["keras", verbose][call]
    assert structure(ours) == structure(theirs), f"kerax:\n{ours!r}\nKeras:\n{theirs!r}"


def test_the_expected_lines_are_there(printed):
    # The comparison above would pass if both printed nothing: pin what Keras prints.
    two = printed["kerax", 1]["fit two epochs"]
    assert two.startswith("Epoch 1/2\n\r\x1b[1m1/5\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m" + "━" * 16)
    final = two.split("\n")[1].split("\r")[-1]
    assert re.fullmatch(r"\x1b\[1m5/5\x1b\[0m \x1b\[32m━{20}\x1b\[0m\x1b\[37m\x1b\[0m \x1b\[1m\d+s\x1b\[0m "
                        r"\d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_accuracy: \d\.\d{4} "
                        r"- val_loss: \d\.\d{4} *", final)
    assert re.fullmatch(r"5/5 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n",
                        printed["kerax", 2]["evaluate"])
    assert "Epoch" not in printed["kerax", 1]["fit one epoch"]
    assert all(out == "" for out in printed["kerax", 0].values())


def test_steps_per_execution_draws_at_execution_boundaries():
    ours, theirs = (run(library, [1], 2, ["evaluate", "predict"])[1] for library in (kerax, keras))
    for call in ("evaluate", "predict"):
        assert structure(ours[call]) == structure(theirs[call]), f"{call}:\n{ours[call]!r}\n{theirs[call]!r}"


def test_unknown_length_shows_unknown_then_the_count():
    def batches():
        for i in range(0, 40, 8):
            yield X[i:i + 8], Y[i:i + 8]

    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.fit(batches(), epochs=1, verbose=1)
    draws = [d.rstrip("\b") for d in out.getvalue().split("\r")[1:]]
    assert draws[0].startswith("      1/Unknown \x1b[1m")
    assert draws[-1].startswith("\x1b[1m5/5\x1b[0m")


def test_callbacks_see_verbose_as_given(capsys):
    # Keras hands "auto" to the callbacks' params as it is (its ProgbarLogger reads it as 1).
    seen = []
    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    remember = kerax.callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append(remember.params["verbose"]))
    model.fit(X, Y, batch_size=8, callbacks=[remember])
    model.fit(X, Y, batch_size=8, callbacks=[remember], verbose=2)
    assert seen == ["auto", 2]
    assert "5/5" in capsys.readouterr().out
