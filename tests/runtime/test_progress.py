"""What fit prints: a Keras-style progress bar (verbose=1), one line per epoch (verbose=2)."""
import re

import numpy as np

import kerax


def fit(verbose, capsys, **kwargs):
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], steps_per_execution=2)
    model.fit(np.ones((40, 3), np.float32), np.zeros((40, 1), np.float32), batch_size=8, epochs=2, verbose=verbose,
              **kwargs)
    return capsys.readouterr().out


def test_verbose_1_draws_a_bar_per_epoch(capsys):
    out = fit(1, capsys)
    assert out.count("Epoch 1/2") == 1 and "Epoch 2/2" in out
    final = [line.split("\r")[-1] for line in out.splitlines() if "5/5" in line]
    assert len(final) == 2
    assert re.search(r"5/5 ━{20} \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - mae: \d\.\d{4}", final[0])


def test_verbose_2_prints_one_line_per_epoch_with_validation(capsys):
    out = fit(2, capsys, validation_split=0.2)
    lines = [line for line in out.splitlines() if line.startswith("4/4")]
    assert len(lines) == 2
    assert re.fullmatch(r"4/4 - \d+s - \d+(us|ms|s)/step - loss: [\d.]+ - mae: [\d.]+ - val_loss: [\d.]+ - val_mae: [\d.]+",
                        lines[0])


def test_verbose_0_prints_nothing(capsys):
    assert fit(0, capsys) == ""
