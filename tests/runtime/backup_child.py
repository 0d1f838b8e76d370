"""The training process of tests/runtime/test_backup_and_restore.py, killed and restarted.

`backup_child.py <folder> <save_freq> <K> <kills> <reach> <seed>` imports kerax once (without
starting JAX's backend) and forks training processes: first an uninterrupted reference run,
then runs that it kills with SIGKILL, each resuming from the backup, until `kills` kills are
done; then a run to the end. Most runs are killed after a random number (1..reach) of their
executions and a random fraction of a step, so kills land in training, in backup writes and in
between; every fourth is killed inside a backup file's write, after its bytes and before the
rename that publishes it (the child announces and holds that moment). Forking, a persistent
compilation cache and data without short batches (one program per kind) spare the restarts most
of the start-up and compile time.

The training uses shuffling, dropout (RNG state), Adam (slots), a learning-rate schedule,
metrics and validation, so a resume that missed any of them would end with other weights.
Prints `KILLED <n>`, `IN_WRITE <n>` (of those, kills inside a write), `FINISHED <n>` (runs that
ended before their kill) and `DONE`."""
import contextlib
import os
import random
import signal
import sys
import time

import jax
import numpy as np

import kerax
from kerax.runtime import backup

EXECUTED, WRITING = b".", b"w"


def hold_write(progress_fd, n):
    """Announce the n-th backup file written once its bytes are out, before the rename that
    publishes it, and hold it there until the kill comes."""
    atomic_write, written = backup.atomic_write, [0]

    @contextlib.contextmanager
    def announced(path, mode):
        with atomic_write(path, mode) as f:
            yield f
            written[0] += 1
            if written[0] == n:
                f.flush()
                os.write(progress_fd, WRITING)
                time.sleep(60)

    backup.atomic_write = announced


def train(backup_dir, out, save_freq, k, progress_fd):
    kerax.utils.set_random_seed(7)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((208, 6)).astype("float32")
    y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
    model = kerax.Sequential([kerax.Input((6,)), kerax.layers.Dense(16, activation="relu"),
                              kerax.layers.Dropout(0.3), kerax.layers.Dense(1)])
    schedule = kerax.optimizers.schedules.ExponentialDecay(0.01, decay_steps=7, decay_rate=0.9)
    model.compile(optimizer=kerax.optimizers.Adam(schedule), loss="mse", metrics=["mae"], steps_per_execution=k)
    announce = kerax.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: os.write(progress_fd, EXECUTED))
    # 192 samples in 24 batches of 8 and 16 for validation: no short batch, no short execution
    model.fit(x[:192], y[:192], batch_size=8, epochs=6, verbose=0, validation_data=(x[192:], y[192:]),
              callbacks=[kerax.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq), announce])
    np.savez(out, *model.get_weights())


def run(folder, backup_name, out, save_freq, k, kill_at=None) -> bool:
    """One training process; with `kill_at=(EXECUTED, n, seconds)` it is killed that long after its
    n-th execution, with `kill_at=(WRITING, n, 0)` inside its n-th backup file write. True if it
    finished."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        code = 1
        try:
            jax.config.update("jax_compilation_cache_dir", os.path.join(folder, "jax_cache"))
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
            if kill_at is not None and kill_at[0] == WRITING:
                hold_write(write_fd, kill_at[1])
            train(os.path.join(folder, backup_name), os.path.join(folder, out), save_freq, k, write_fd)
            code = 0
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_fd)
    seen = {EXECUTED: 0, WRITING: 0}
    while True:
        chunk = os.read(read_fd, 1)
        if not chunk:
            break
        seen[chunk] += 1
        if kill_at is not None and chunk == kill_at[0] and seen[chunk] == (1 if chunk == WRITING else kill_at[1]):
            time.sleep(kill_at[2])
            os.kill(pid, signal.SIGKILL)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, -signal.SIGKILL):
        raise SystemExit(f"a training process failed with status {code}")
    return code == 0


def main():
    folder, save_freq, k, kills, reach, seed = sys.argv[1:]
    save_freq = save_freq if save_freq == "epoch" else int(save_freq)
    k, kills, reach = int(k), int(kills), int(reach)
    rng = random.Random(seed)
    assert run(folder, "reference_backup", "reference.npz", save_freq, k)
    killed = in_write = finished = 0
    while killed < kills:
        inside = killed % 4 == 3
        kill_at = (WRITING, rng.randint(1, 4), 0) if inside else (EXECUTED, rng.randint(1, reach), rng.uniform(0, 0.02))
        if run(folder, "backup", f"resumed_{finished}.npz", save_freq, k, kill_at):
            finished += 1  # it ended before its kill; the next run starts a new training
        else:
            killed += 1
            in_write += inside
    assert run(folder, "backup", f"resumed_{finished}.npz", save_freq, k)
    print(f"KILLED {killed}\nIN_WRITE {in_write}\nFINISHED {finished + 1}\nDONE", flush=True)


if __name__ == "__main__":
    main()
