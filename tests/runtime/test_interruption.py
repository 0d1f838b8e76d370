"""Ctrl-C at random moments of fit, evaluate and predict leaves the model usable.

A dispatch donates the state buffers; an interrupt between the donation and the commit of the
new state would leave deleted arrays ("Array has been deleted") behind."""
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("interrupt_child.py")
ROOT = Path(__file__).resolve().parents[2]


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT.parent), env.get("PYTHONPATH", "")])
    env["XLA_FLAGS"] = "--xla_backend_optimization_level=0"  # one CPU device, quick compiles (conftest.py)
    env.pop("KERAX_VERIFY", None)  # the passes are not under test here: no verifier after each
    return env


@pytest.fixture(scope="module")
def training_process(tmp_path_factory):
    """One child for every SIGINT test: start-up and compilation are paid once. Its stderr goes to
    a file (a pipe nobody reads fills up and stops the child), and a watchdog kills it after 15
    minutes, so that a stuck child fails the tests instead of hanging them."""
    import threading

    errors = open(tmp_path_factory.mktemp("child") / "stderr.txt", "w+")
    process = subprocess.Popen([sys.executable, str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=errors, text=True, env=child_env())
    process.errors = errors
    watchdog = threading.Timer(900, process.kill)
    watchdog.start()
    yield process
    watchdog.cancel()
    if process.poll() is None:
        process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    errors.close()


@pytest.mark.parametrize("k", [1, 32])
def test_sigint_at_random_moments_leaves_a_usable_model(training_process, k):
    count, process = 12, training_process
    process.stdin.write(f"{k} {count}\n")
    process.stdin.flush()
    rng = random.Random(k)
    seen = []
    while True:
        line = process.stdout.readline().strip()
        if line == "READY":
            time.sleep(rng.uniform(0.0, 0.3))
            process.send_signal(signal.SIGINT)
            if not select.select([process.stdout], [], [], 120)[0]:  # fail, not hang
                process.kill()
                pytest.fail(f"no answer to SIGINT {len(seen)} within 120 s")
        elif line.startswith("USABLE"):
            seen.append(line)
        elif line == "END":
            break
        elif not line:  # the child ended: it failed
            process.wait(timeout=60)
            process.errors.seek(0)
            pytest.fail(f"the training process ended with status {process.returncode}:\n{process.errors.read()[-3000:]}")
    assert len(seen) == count


def small_model(k):
    import kerax

    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=k)
    return model


def test_an_exception_in_a_callback_leaves_the_state_of_the_last_execution():
    import numpy as np

    import kerax

    class Boom(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch >= 5:
                raise ValueError("boom")

    model = small_model(3)
    x, y = np.ones((64, 4), "float32"), np.ones((64, 1), "float32")
    with pytest.raises(ValueError, match="boom"):
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[Boom()])
    assert int(model.optimizer.iterations.numpy()) == 6
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 22


@pytest.mark.parametrize("k", [1, 4])
def test_a_generator_that_raises_trains_on_every_batch_it_yielded(k):
    import numpy as np

    def batches():
        for i in range(7):
            yield np.full((2, 4), i, "float32"), np.ones((2, 1), "float32")
        raise OSError("disk went away")

    model = small_model(k)
    with pytest.raises(OSError, match="disk went away"):
        model.fit(batches(), epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 7


class Tripwire:
    """A host callback that raises on its `at`-th call: an error inside the XLA call, after the
    state was handed to it."""

    def __init__(self, at):
        self.at, self.calls = at, 0

    def __call__(self, x):
        self.calls += 1
        if self.calls == self.at:
            raise RuntimeError("tripwire")


def watched(tripwire):
    """A layer whose raw JAX calls `tripwire` on the host at every step: a program with a host
    callback, which can fail inside the XLA call."""
    import jax

    import kerax

    class Watched(kerax.layers.Layer):
        def call(self, x):
            x = jax.numpy.asarray(x)  # raw JAX: the call runs as an opaque node, in the program
            jax.debug.callback(tripwire, x)
            return x

    return Watched()


@pytest.mark.parametrize("k", [1, 4])
def test_an_error_inside_the_program_leaves_the_state_of_the_last_execution(k):
    import jax
    import numpy as np

    import kerax

    tripwire = Tripwire(at=6)

    class Record(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.weights = self.model.get_weights()

    model = kerax.Sequential([kerax.Input((4,)), watched(tripwire), kerax.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=k)
    x, y = np.random.default_rng(0).random((64, 4), "float32"), np.ones((64, 1), "float32")
    record = Record()
    with pytest.raises(Exception, match="tripwire"):
        model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[record])
    completed = (tripwire.at - 1) // k * k  # the steps of the executions that ended
    assert int(model.optimizer.iterations.numpy()) == completed
    for ours, recorded in zip(model.get_weights(), record.weights):
        np.testing.assert_array_equal(ours, recorded)
    assert model.predict(x[:4], verbose=0).shape == (4, 1)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == completed + 16


class Alarm(Exception):
    pass


@pytest.mark.parametrize("k", [1, 8])
def test_an_exception_from_a_signal_handler_at_random_moments_leaves_a_usable_model(k):
    """Not only Ctrl-C: a SIGALRM handler that raises, at 30 random moments of fit, evaluate
    and predict (in this process: no start-up to pay)."""
    import random
    import signal

    import numpy as np

    def ring(signum, frame):
        raise Alarm()

    model = small_model(k)
    x, y = np.random.default_rng(0).random((256, 4), "float32"), np.ones((256, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    model.evaluate(x, y, batch_size=4, verbose=0)
    model.predict(x, batch_size=4, verbose=0)
    rng, landed = random.Random(k), set()
    previous = signal.signal(signal.SIGALRM, ring)
    try:
        for i in range(30):
            call = ("fit", "evaluate", "predict")[i % 3]
            signal.setitimer(signal.ITIMER_REAL, rng.uniform(0.001, 0.05))
            try:
                for _ in range(1000):
                    getattr(model, call)(x, *([y] if call != "predict" else []), batch_size=4, verbose=0)
                    if signal.getitimer(signal.ITIMER_REAL)[0] == 0:
                        # The alarm rang and its exception went nowhere: Python drops an exception
                        # raised while a finalizer (`__del__`) runs. Ring again.
                        signal.setitimer(signal.ITIMER_REAL, rng.uniform(0.001, 0.05))
                else:
                    pytest.fail(f"no alarm reached {call} in 1000 calls")
            except Alarm:
                landed.add(call)
            except UnboundLocalError as error:  # JAX's own: not the model's state
                # jax.tree.map with one tree catches any exception raised in its flattening
                # comprehension and then reads a name that was never bound (jax/_src/tree_util.py,
                # tree_map), so an Alarm landing there reaches us renamed
                assert "r2" in str(error)
                landed.add(call)
            iterations = int(model.optimizer.iterations.numpy())
            assert all(np.isfinite(w).all() for w in model.get_weights())
            assert model.predict(x[:8], verbose=0).shape == (8, 1)
            model.fit(x[:8], y[:8], batch_size=4, epochs=1, verbose=0)
            assert int(model.optimizer.iterations.numpy()) == iterations + 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert landed == {"fit", "evaluate", "predict"}


def test_a_failure_after_donation_says_the_state_is_lost():
    import jax
    import numpy as np

    from kerax.runtime.state import DeviceState

    class Variable:
        def __init__(self, value):
            self.value = value

    state = DeviceState([[Variable(np.ones(3, "float32"))], [], [], []])

    def failing(values, batch, commit):  # as XLA does: the donated inputs deleted, then an error
        jax.tree.map(lambda a: a.delete(), values)
        raise RuntimeError("RESOURCE_EXHAUSTED: out of memory")

    with pytest.raises(RuntimeError, match="out of memory") as caught:
        state.execute(failing, None)
    assert state.lost() and "is gone" in "".join(caught.value.__notes__)
    assert "Restore the model from a checkpoint" in "".join(caught.value.__notes__)


def test_a_failure_after_donation_restores_the_last_backup(tmp_path, monkeypatch):
    """A program that donates its state and fails inside the XLA call (as one without host
    callbacks does when it runs out of memory): with BackupAndRestore in the fit, the model comes
    back usable, with the state of the last backup, and the error says so."""
    import numpy as np

    import kerax
    from kerax.lowering import donation

    monkeypatch.setattr(donation, "calls_host", lambda jaxpr: False)  # the tripwire's program donates

    class Record(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.seen[int(self.model.optimizer.iterations.numpy())] = self.model.get_weights()

    record, backup = Record(), kerax.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=2)
    record.seen = {}
    model = kerax.Sequential([kerax.Input((4,)), watched(Tripwire(at=8)), kerax.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=1)
    x, y = np.random.default_rng(0).random((64, 4), "float32"), np.ones((64, 1), "float32")
    with pytest.raises(Exception, match="tripwire") as caught:
        model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[backup, record])
    assert "now holds the state of the backup in" in "".join(caught.value.__notes__)
    assert max(record.seen) == 7  # 7 steps completed, the last backup after 6 (save_freq=2)
    assert int(model.optimizer.iterations.numpy()) == 6 and model._state().position[:2] == (0, 6)
    for ours, backed_up in zip(model.get_weights(), record.seen[6]):
        np.testing.assert_array_equal(ours, backed_up)
    assert model.predict(x[:4], verbose=0).shape == (4, 1)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[backup])  # resumes after step 6
    assert int(model.optimizer.iterations.numpy()) == 16


class FailedOnDevice:
    """An execution's result whose failure the device reports only when it is awaited or read,
    as an accelerator does (running out of memory after the dispatch returned)."""

    def __init__(self, like):
        self.shape, self.dtype, self.sharding = like.shape, like.dtype, like.sharding

    def block_until_ready(self):
        raise RuntimeError("RESOURCE_EXHAUSTED: out of memory, reported when the result is awaited")

    def __array__(self, *args, **kwargs):
        self.block_until_ready()

    def is_deleted(self):
        return False


def test_a_failure_reported_after_the_dispatch_returned_restores_the_last_backup(tmp_path, monkeypatch):
    """The 8th step's results fail when first read (by a callback reading the weights after it):
    fit says the state is gone and restores the backup of step 6, from which the next fit resumes."""
    import numpy as np

    import kerax
    from kerax.runtime.state import DeviceState

    commits, update = [], DeviceState.update

    def failing_at_eight(self, values):
        commits.append(len(commits) + 1)
        if len(commits) == 8:
            values = [[FailedOnDevice(a) for a in group] for group in values]
        update(self, values)

    class ReadsWeights(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.get_weights()

    backup = kerax.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=2)
    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.random.default_rng(0).random((64, 4), "float32"), np.ones((64, 1), "float32")
    monkeypatch.setattr(DeviceState, "update", failing_at_eight)
    with pytest.raises(RuntimeError, match="reported when the result is awaited") as caught:
        model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[ReadsWeights(), backup])
    monkeypatch.setattr(DeviceState, "update", update)
    notes = "".join(caught.value.__notes__)
    assert "is gone" in notes and "now holds the state of the backup in" in notes
    assert int(model.optimizer.iterations.numpy()) == 6 and not model._state().lost()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[backup])  # resumes after step 6
    assert int(model.optimizer.iterations.numpy()) == 16


def conv_model(tripwire):
    """A convolution net, which gets the host plan on CPU (K dispatches per execution)."""
    import kerax

    model = kerax.Sequential([kerax.Input((6, 6, 1)), watched(tripwire), kerax.layers.Conv2D(2, 3),
                              kerax.layers.Flatten(), kerax.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=4)
    return model


@pytest.mark.parametrize("failing", ["program", "data"])
def test_a_host_plan_execution_that_fails_partway_keeps_the_position_of_its_committed_steps(failing):
    """Step 6 of 16 fails, inside the second execution of K=4: the 5 steps before it are
    committed, and the data position says 5, as after a run of exactly 5 steps."""
    import numpy as np

    import kerax

    completed = 5
    data = np.random.default_rng(0).random((64, 6, 6, 1), "float32"), np.ones((64, 1), "float32")

    def batches(fail_at):
        for i in range(16):
            if i == fail_at:
                raise OSError("disk went away")
            yield data[0][4 * i: 4 * i + 4], data[1][4 * i: 4 * i + 4]

    class Record(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == completed - 1:
                self.position = self.model._state().position

    reference, record = conv_model(Tripwire(at=0)), Record()
    initial = reference.get_weights()
    reference.fit(batches(None), epochs=1, steps_per_epoch=completed, verbose=0, callbacks=[record])

    model = conv_model(Tripwire(at=completed + 1 if failing == "program" else 0))
    model.set_weights(initial)
    with pytest.raises(Exception, match="tripwire" if failing == "program" else "disk went away"):
        model.fit(batches(completed if failing == "data" else None), epochs=1, verbose=0)
    assert model.execution_stats.loops["train"].strategy == "host"
    assert int(model.optimizer.iterations.numpy()) == completed
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    epoch, step, order, logs = model._state().position
    assert (epoch, step) == (0, completed) == record.position[:2]
    np.testing.assert_array_equal(order[1], record.position[2][1])
    assert float(logs["loss"]) == float(record.position[3]["loss"])


def test_a_signal_inside_deferred_signals_reaches_its_handler_after_the_block():
    from kerax.runtime.interrupt import deferred_signals

    calls = []

    def handler(signum, frame):
        calls.append(signum)

    previous, interrupt = signal.signal(signal.SIGUSR1, handler), signal.getsignal(signal.SIGINT)
    try:
        with deferred_signals():
            signal.raise_signal(signal.SIGUSR1)
            assert calls == []  # held back while the dispatch is in flight
        assert calls == [signal.SIGUSR1]
        assert signal.getsignal(signal.SIGUSR1) is handler
        assert signal.getsignal(signal.SIGINT) is interrupt  # every handler put back
    finally:
        signal.signal(signal.SIGUSR1, previous)
