"""A training program that runs out of accelerator memory after its state was donated to it.

On CPU no donating program can fail at run time (lowering/donation.py), so these tests run only
where JAX has a GPU or TPU; there they run in a child process whose JAX may take only a small
share of the device's memory, so that one large batch exhausts it."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(jax.default_backend() == "cpu", reason="needs an accelerator: on CPU a donating "
                                "program cannot fail at run time")

CHILD = textwrap.dedent("""
    import numpy as np
    import kerax

    def batches(sizes):
        rng = np.random.default_rng(0)
        for n in sizes:
            yield rng.random((n, 16), "float32"), rng.random((n, 1), "float32")

    kerax.utils.set_random_seed(0)
    model = kerax.Sequential([kerax.Input((16,)), kerax.layers.Dense(4096, activation="relu"), kerax.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    seen = {}

    class Record(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen[int(self.model.optimizer.iterations.numpy())] = self.model.get_weights()

    callbacks = [Record()] + ([kerax.callbacks.BackupAndRestore(BACKUP, save_freq=1)] if BACKUP else [])
    # Three batches of 8 rows, then one of 2**21: its (2**21, 4096) activation alone is 32 GiB.
    try:
        model.fit(batches([8, 8, 8, 2 ** 21]), steps_per_epoch=4, epochs=1, verbose=0, callbacks=callbacks)
    except Exception as error:
        print("ERROR", type(error).__name__, str(error)[:200].replace("\\n", " "))
        print("NOTES", " ".join(getattr(error, "__notes__", [])).replace("\\n", " "))
    else:
        raise SystemExit("the large batch trained: nothing ran out of memory")
    print("LOST", model._state().lost())
    if not model._state().lost():
        print("ITERATIONS", int(model.optimizer.iterations.numpy()))
        print("SAME_AS_STEP_3", all(np.array_equal(a, b) for a, b in zip(model.get_weights(), seen[3])))
        model.fit(np.ones((8, 16), "float32"), np.ones((8, 1), "float32"), batch_size=8, epochs=1, verbose=0)
        print("TRAINS_ON", int(model.optimizer.iterations.numpy()))
""")


def run_child(backup) -> dict:
    # Without autotuning, which would run out of memory while compiling, before the state is donated.
    flags = os.environ.get("XLA_FLAGS", "") + " --xla_gpu_autotune_level=0"
    env = dict(os.environ, XLA_FLAGS=flags, XLA_PYTHON_CLIENT_MEM_FRACTION="0.05", XLA_PYTHON_CLIENT_PREALLOCATE="true",
               PYTHONPATH=os.pathsep.join([str(ROOT.parent), os.environ.get("PYTHONPATH", "")]))
    source = f"BACKUP = {str(backup) if backup else ''!r}\n" + CHILD
    done = subprocess.run([sys.executable, "-c", source], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.split(" ")[0].isupper())
    assert "RESOURCE_EXHAUSTED" in report["ERROR"] or "memory" in report["ERROR"].lower(), report
    assert "Failed to get configs" not in report["ERROR"], report  # autotuning: the program never ran
    return report


def test_out_of_memory_with_a_backup_leaves_the_state_of_the_last_backup(tmp_path):
    report = run_child(tmp_path / "backup")
    # Either the failed call kept the donated state, or the model was restored from the backup
    # written after step 3; both ways the model holds step 3's state and trains on.
    assert report["LOST"] == "False", report
    assert report["ITERATIONS"] == "3" and report["SAME_AS_STEP_3"] == "True", report
    assert report["TRAINS_ON"] == "4", report
    if "is gone" in report["NOTES"]:
        assert "now holds the state of the backup" in report["NOTES"], report


def test_out_of_memory_without_a_backup_says_what_happened_to_the_state():
    report = run_child(None)
    if report["LOST"] == "True":  # the donated state is gone: the error must say so
        assert "is gone" in report["NOTES"] and "Restore the model from a checkpoint" in report["NOTES"], report
    else:  # the call failed before it took the state: the model holds step 3's and trains on
        assert report["ITERATIONS"] == "3" and report["SAME_AS_STEP_3"] == "True", report
        assert report["TRAINS_ON"] == "4", report
