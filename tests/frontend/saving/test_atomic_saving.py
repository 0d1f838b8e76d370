"""No file is ever half-written: a process saving over and over is SIGKILLed at random
moments, many times; afterwards the target is always a complete file, old or new, and loads.
A sharded save (several files and their index) loads whole too, old or new, never a mix.

One helper process, shared by the tests, imports kerax once (the slow part) and, before JAX
starts its backend, forks a fresh saver for every kill, so each kill costs a fork rather than
an interpreter."""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import kerax

HELPER = r"""
import os, sys
import numpy as np
import kerax


def say(*words):
    # One write(2) per line: under PYTHONUNBUFFERED print writes word by word, and a kill
    # between two words would leave half a line for the next one to run into.
    os.write(1, (" ".join(map(str, words)) + "\n").encode())


for line in sys.stdin:  # target, "whole" or "sharded", the version to start from
    target, mode, version = line.split()
    sharded, version = mode == "sharded", int(version)
    pid = os.fork()
    if pid == 0:  # the saver: save forever, each save one version higher, until killed
        model = kerax.Sequential([kerax.Input((128,)), kerax.layers.Dense(512), kerax.layers.Dense(128)])
        while True:
            version += 1
            model.set_weights([np.full(w.shape, version, w.dtype) for w in model.get_weights()])
            if sharded:  # two shards: the first layer's weights, then the second's
                model.save_weights(target + ".weights.json", max_shard_size=300_000 / 1024 ** 3)
            else:
                model.save(target + ".keras")
                model.save_weights(target + ".weights.h5")
            say("saved", version)
    say("pid", pid)
    os.waitpid(pid, 0)
    say("dead")
"""


KILLS = 12  # each kill lands at a random moment of a save, after at least one complete save


def _model():
    return kerax.Sequential([kerax.Input((128,)), kerax.layers.Dense(512), kerax.layers.Dense(128)])


def _versions(stem):
    """The version in each file; both load, and neither mixes two saves."""
    return [_version(kerax.models.load_model(stem + ".keras").get_weights()),
            _version(_loaded_weights(stem + ".weights.h5"))]


def _version(weights) -> int:
    version = int(weights[0].flat[0])
    assert all(np.all(w == version) for w in weights), "a file mixes two saves"
    return version


def _loaded_weights(path):
    model = _model()
    model.load_weights(path)
    return model.get_weights()


def _read(helper, prefix):
    line = helper.stdout.readline().split()
    assert line and line[0] == prefix, f"helper said {line}"
    return int(line[1]) if len(line) > 1 else None


@pytest.fixture(scope="module")
def helper():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    process = subprocess.Popen([sys.executable, "-c", HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               env=env, text=True)
    yield process
    process.kill()
    process.wait()


def _kill_saver_repeatedly(helper, stem: str, mode: str, check) -> None:
    """Start a saver, SIGKILL it at a random moment after a complete save, `check(last)` the
    files, KILLS times; `last` is the last save the killed saver reported complete."""
    rng = random.Random(0)
    for kill in range(KILLS):
        helper.stdin.write(f"{stem} {mode} {kill * 1000}\n")
        helper.stdin.flush()
        pid = _read(helper, "pid")
        last = _read(helper, "saved")  # one complete save each time: the old file exists
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(pid, signal.SIGKILL)
        while True:
            line = helper.stdout.readline().split()
            if line[0] == "dead":
                break
            last = int(line[1])
        check(last)


def test_sigkill_at_random_moments_leaves_old_or_new_file(helper, tmp_path):
    stem = os.fspath(tmp_path / "model")

    def check(last):
        keras_version, weights_version = _versions(stem)
        # the last reported save, or the one after it (killed between its rename and its print)
        assert last <= keras_version <= last + 1
        assert last - 1 <= weights_version <= last + 1

    _kill_saver_repeatedly(helper, stem, "whole", check)
    # the killed savers' temporaries go with the next successful save of each target
    model = _model()
    model.save(stem + ".keras")
    model.save_weights(stem + ".weights.h5")
    assert [n for n in os.listdir(tmp_path) if n.startswith(".model.")] == []


def test_sigkill_during_sharded_saves_leaves_the_old_or_the_new_save(helper, tmp_path):
    stem = os.fspath(tmp_path / "model")

    def check(last):
        assert last <= _version(_loaded_weights(stem + ".weights.json")) <= last + 1

    _kill_saver_repeatedly(helper, stem, "sharded", check)
    _model().save_weights(stem + ".weights.json", max_shard_size=300_000 / 1024 ** 3)
    # and the next complete save leaves its own files only: no second names, no temporaries
    assert sorted(n for n in os.listdir(tmp_path) if "model" in n) == [
        "model.weights.json", "model_00000.weights.h5", "model_00001.weights.h5"]
