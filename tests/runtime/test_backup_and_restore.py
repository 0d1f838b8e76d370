"""BackupAndRestore survives SIGKILL: a training process killed at random moments (during
training, during the backup's own writes, and inside a write on purpose) and restarted until it
finishes ends with weights bitwise-identical to an uninterrupted run (the processes:
backup_child.py)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

CHILD = Path(__file__).with_name("backup_child.py")
ROOT = Path(__file__).resolve().parents[2]


# 6 epochs of 24 steps; a kill lands after a random number (up to `reach`) of a run's executions,
# or, one in four, inside a backup file's write.
@pytest.mark.parametrize("save_freq, k, kills, reach", [(3, 2, 20, 12), ("epoch", 1, 4, 40)])
def test_killed_and_resumed_training_ends_bitwise_identical(tmp_path, save_freq, k, kills, reach):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT.parent), env.get("PYTHONPATH", "")])
    env["XLA_FLAGS"] = "--xla_backend_optimization_level=0"  # one CPU device, quick compiles (conftest.py)
    env.pop("KERAX_VERIFY", None)  # the passes are not under test here: no verifier after each
    result = subprocess.run([sys.executable, str(CHILD), str(tmp_path), str(save_freq), str(k), str(kills), str(reach),
                             "1"], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0 and "DONE" in result.stdout, result.stderr[-3000:]
    lines = dict(line.split() for line in result.stdout.splitlines() if " " in line)
    assert int(lines["KILLED"]) == kills and int(lines["IN_WRITE"]) == kills // 4
    finished = sorted(tmp_path.glob("resumed_*.npz"))
    assert len(finished) == int(lines["FINISHED"]) <= 1 + kills // 4  # most kills land inside training
    reference = np.load(tmp_path / "reference.npz")
    for path in finished:
        resumed = np.load(path)
        for name in reference.files:
            np.testing.assert_array_equal(resumed[name], reference[name])
    assert not (tmp_path / "backup").exists()  # delete_checkpoint=True: removed when training finished
    assert any((tmp_path / "jax_cache").iterdir())  # the restarts found their programs compiled


def test_a_backup_keeps_per_class_logs(tmp_path):
    """A mid-epoch backup holds the last logs; a per-class metric (F1Score with average=None) is an array."""
    from kerax.runtime.backup import read_backup, write_backup

    order = np.random.get_state()
    logs = {"f1_score": np.array([0.25, 0.5, 1.0], "float32"), "loss": 0.75}
    write_backup(str(tmp_path), ([np.ones(2, "float32")], [], [], []), (1, 4, order, logs))
    values, (epoch, step, _, back) = read_backup(str(tmp_path))
    assert (epoch, step, back["loss"]) == (1, 4, 0.75)
    np.testing.assert_array_equal(back["f1_score"], logs["f1_score"])
    assert back["f1_score"].dtype == np.float32
