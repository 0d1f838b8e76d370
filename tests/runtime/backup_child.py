"""Training processes for tests/runtime/test_backup_and_restore.py, started from a fork server.

This process imports kerax once (without starting JAX's backend) and forks one training
process per line read from stdin: `<backup_dir> <out.npz> <save_freq> <K>`. Each prints
`TRAINING <pid>` once its first execution has run (a kill from then on lands in training or in
a backup write) and saves its final weights to out.npz; the server reports `EXIT <status>`.
A persistent compilation cache spares the restarts most of their compile time.

The training uses shuffling, dropout (RNG state), Adam (slots), a learning-rate schedule,
metrics and validation, so a resume that missed any of them would end with other weights."""
import os
import sys

import jax
import numpy as np

import kerax


def train(backup_dir, out, save_freq, k):
    kerax.utils.set_random_seed(7)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 6)).astype("float32")
    y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
    model = kerax.Sequential([kerax.Input((6,)), kerax.layers.Dense(16, activation="relu"),
                              kerax.layers.Dropout(0.3), kerax.layers.Dense(1)])
    schedule = kerax.optimizers.schedules.ExponentialDecay(0.01, decay_steps=7, decay_rate=0.9)
    model.compile(optimizer=kerax.optimizers.Adam(schedule), loss="mse", metrics=["mae"], steps_per_execution=k)

    class Announce(kerax.callbacks.Callback):
        said = False

        def on_train_batch_end(self, batch, logs=None):
            if not self.said:
                print(f"TRAINING {os.getpid()}", flush=True)
                self.said = True

    history = model.fit(x, y, batch_size=8, epochs=6, verbose=0, validation_split=0.1,
                        callbacks=[kerax.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq), Announce()])
    np.savez(out, *model.get_weights(), loss=np.asarray(history.history["loss"]))


def main():
    for line in sys.stdin:
        backup_dir, out, save_freq, k = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                jax.config.update("jax_compilation_cache_dir", os.path.join(os.path.dirname(out), "jax_cache"))
                jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
                train(backup_dir, out, save_freq if save_freq == "epoch" else int(save_freq), int(k))
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(f"EXIT {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    main()
