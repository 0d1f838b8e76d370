"""BackupAndRestore survives SIGKILL: a training process killed at random moments (during
training and during the backup's own writes) and restarted until it finishes ends with weights
bitwise-identical to an uninterrupted run."""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

SERVER = Path(__file__).with_name("backup_child.py")
ROOT = Path(__file__).resolve().parents[2]


class Trainer:
    """The fork server of backup_child.py: one training process per `run`."""

    def __init__(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT.parent), env.get("PYTHONPATH", "")])
        env.pop("XLA_FLAGS", None)  # one CPU device
        self.process = subprocess.Popen([sys.executable, str(SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)

    def run(self, backup_dir, out, save_freq, k, kill_after=None) -> bool:
        """Train; with `kill_after`, SIGKILL the process that long after training began.
        Returns True when it finished."""
        self.process.stdin.write(f"{backup_dir} {out} {save_freq} {k}\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            word, value = line.split()
            if word == "TRAINING" and kill_after is not None:
                time.sleep(kill_after)
                try:
                    os.kill(int(value), signal.SIGKILL)
                except ProcessLookupError:
                    pass  # it finished first
            elif word == "EXIT":
                code = int(value)
                assert code in (0, -signal.SIGKILL), f"the training process failed with status {code}"
                return code == 0
        raise AssertionError("the fork server ended")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.mark.parametrize("save_freq, k, kills", [(3, 2, 20), ("epoch", 1, 4)])
def test_killed_and_resumed_training_ends_bitwise_identical(tmp_path, save_freq, k, kills):
    trainer = Trainer()
    try:
        assert trainer.run(tmp_path / "reference_backup", tmp_path / "reference.npz", save_freq, k)
        rng = random.Random(str(save_freq))
        backup, out = tmp_path / "backup", tmp_path / "resumed.npz"
        killed = finished = 0
        while killed < kills:
            if trainer.run(backup, out, save_freq, k, kill_after=rng.uniform(0.0, 0.5)):
                finished += 1  # it finished before the kill: check it, and start a new training
                assert_same_weights(tmp_path / "reference.npz", out)
                out.unlink()
            else:
                killed += 1
        assert trainer.run(backup, out, save_freq, k)
    finally:
        trainer.close()
    assert_same_weights(tmp_path / "reference.npz", out)
    assert not backup.exists()  # delete_checkpoint=True: removed when training finished
    assert finished <= kills // 4, "most kills must land inside training"


def assert_same_weights(reference_path, resumed_path):
    reference, resumed = np.load(reference_path), np.load(resumed_path)
    for name in reference.files:
        if name != "loss":
            np.testing.assert_array_equal(resumed[name], reference[name])
