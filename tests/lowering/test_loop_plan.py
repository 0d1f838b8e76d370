"""The loop strategy of each program: chosen by rule from the IR, visible in execution_stats,
and true of what XLA compiled (no `while` where the plan says there is no loop)."""
import jax
import numpy as np
import pytest

import kerax

RNG = np.random.default_rng(0)
_compiles = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, secs, **kw: _compiles.append(name) if name == "/jax/core/compile/backend_compile_duration" else None)


def convnet(k, filters=4):
    model = kerax.Sequential([kerax.Input((8, 8, 1)), kerax.layers.Conv2D(filters, 3, activation="relu"),
                              kerax.layers.MaxPooling2D(2), kerax.layers.GlobalAveragePooling2D(), kerax.layers.Dense(3)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=k)
    return model


def mlp(k, width=8, inputs=6):
    model = kerax.Sequential([kerax.Input((inputs,)), kerax.layers.Dense(width, activation="relu"), kerax.layers.Dense(3)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=k)
    return model


def data(model, samples):
    shape = model.inputs[0].shape[1:]
    return RNG.standard_normal((samples, *shape)).astype(np.float32), RNG.integers(0, 3, samples)


def compiled_hlo(model, kind, program, superbatch):
    jitted = model._executables[kind].jitted[program]
    return jitted.lower(model._state().values, superbatch).compile().as_text()


def test_one_step_per_execution_compiles_no_loop():
    model = convnet(1)
    x, y = data(model, 16)
    model.fit(x, y, batch_size=8, verbose=0)
    plan = model.execution_stats.loops["train"]
    assert (plan.strategy, plan.rule) == ("single", "one-step")
    hlo = compiled_hlo(model, "train", "single", (x[None, :8], y[None, :8], None))
    assert "convolution" in hlo and " while(" not in hlo


def test_convolutions_on_cpu_run_k_host_dispatches_of_one_program():
    model = convnet(4)
    x, y = data(model, 7 * 8)  # 7 steps: 4 + 3, one program serves both executions
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    plan = model.execution_stats.loops["train"]
    assert (plan.strategy, plan.rule, plan.steps) == ("host", "cpu-convolution", 4)
    assert model.execution_stats.compilations == 1
    assert model.execution_stats.dispatches == 2 * 7


def test_host_dispatches_train_exactly_like_one_step_executions():
    def trained(k):
        kerax.utils.set_random_seed(3)
        model = convnet(k)
        x, y = data(model, 6 * 8)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        return model.get_weights()

    global RNG
    RNG = np.random.default_rng(1)
    one = trained(1)
    RNG = np.random.default_rng(1)
    four = trained(4)
    for a, b in zip(one, four):
        np.testing.assert_array_equal(a, b)


def test_small_steps_scan_and_large_steps_dispatch():
    small = mlp(4)
    x, y = data(small, 64)
    small.fit(x, y, batch_size=8, verbose=0)
    plan = small.execution_stats.loops["train"]
    assert (plan.strategy, plan.rule) == ("scan", "dispatch-bound")
    assert " while(" in compiled_hlo(small, "train", "scan", (x[:32].reshape(4, 8, 6), y[:32].reshape(4, 8), None))

    large = mlp(4, width=1024, inputs=1024)  # ~0.4 GFLOP a training step at batch 64
    x, y = data(large, 4 * 64)
    large.fit(x, y, batch_size=64, verbose=0)
    plan = large.execution_stats.loops["train"]
    assert (plan.strategy, plan.rule) == ("host", "large-step")
    assert plan.step_flops >= kerax.lowering.loop_plan.CPU_HOST_LOOP_MIN_FLOPS


def test_a_recurrent_step_scans_even_when_large():
    model = kerax.Sequential([kerax.Input((20,), dtype="int32"), kerax.layers.Embedding(1000, 32),
                              kerax.layers.LSTM(64), kerax.layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=4)
    x, y = RNG.integers(0, 1000, (4 * 32, 20)).astype(np.int32), RNG.integers(0, 10, 4 * 32)
    model.fit(x, y, batch_size=32, verbose=0)
    plan = model.execution_stats.loops["train"]
    assert (plan.strategy, plan.rule) == ("scan", "recurrent-step")
    assert plan.step_flops >= kerax.lowering.loop_plan.CPU_HOST_LOOP_MIN_FLOPS  # large-step would dispatch it
    assert model.execution_stats.dispatches == 1


def test_the_test_step_is_planned_from_its_own_graph():
    model = convnet(4)
    x, y = data(model, 32)
    model.evaluate(x, y, batch_size=8, verbose=0)
    plan = model.execution_stats.loops["test"]
    assert plan.strategy == "host" and plan.step_flops > 0


@pytest.mark.parametrize("k", [1, 3])
def test_every_program_compiled_by_fit_evaluate_and_predict_is_counted(k):
    model = mlp(k)
    x, y = data(model, 50)  # 6 full batches and a short one
    before = len(_compiles)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.evaluate(x, y, batch_size=8, verbose=0)
    model.predict(x, batch_size=8, verbose=0)
    model(x[:5])  # an eager call compiles a program of its own
    assert len(_compiles) - before == model.execution_stats.compilations


@pytest.mark.parametrize("k", [1, 4])
def test_predict_compiles_one_program_per_batch_size_and_drops_its_padding(k):
    model = mlp(k)
    x, _ = data(model, 61)
    expected = np.asarray(model(x))
    model.predict(x, batch_size=8, verbose=0)  # builds the state and the programs
    compiled = model.execution_stats.compilations
    for samples in (61, 40, 17, 3, 8):  # full and short executions, short batches: no new program
        np.testing.assert_allclose(model.predict(x[:samples], batch_size=8, verbose=0), expected[:samples],
                                   rtol=1e-6, atol=1e-6)
    assert model.execution_stats.compilations == compiled
    model.predict(x, batch_size=16, verbose=0)
    assert model.execution_stats.compilations == compiled + 1


def test_predict_over_many_batch_sizes_compiles_no_more_than_keras():
    import keras

    sizes = [(7 * b + 3, 4 + b) for b in range(1, 7)]
    x = RNG.standard_normal((64, 6)).astype(np.float32)
    counts = {}
    for lib in (keras, kerax):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(8, activation="relu"), lib.layers.Dense(3)])
        before = len(_compiles)
        for samples, batch in sizes:
            model.predict(x[:samples], batch_size=batch, verbose=0)
        counts[lib.__name__] = len(_compiles) - before
    assert counts["kerax"] <= counts["keras"]
    assert counts["kerax"] == len(sizes)  # one program per batch size: short batches are padded


def test_the_scan_carries_the_last_steps_logs_instead_of_stacking_every_steps():
    # lowering/multistep.py: stacking the K steps' logs to keep the last one wrote each step's
    # into a [K] array (a dynamic-update-slice a step). The logs are the last step's: those of
    # one-step executions after as many steps.
    scanned, stepwise = mlp(4), mlp(1)
    stepwise.set_weights(scanned.get_weights())
    x, y = data(scanned, 32)
    last = {}
    for model in (scanned, stepwise):
        record = kerax.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs, m=model: last.update({m: logs}))
        model.fit(x, y, batch_size=8, verbose=0, shuffle=False, callbacks=[record])
    assert scanned.execution_stats.loops["train"].strategy == "scan"
    np.testing.assert_allclose(last[scanned]["loss"], last[stepwise]["loss"], rtol=1e-6)
    hlo = compiled_hlo(scanned, "train", "scan", (x.reshape(4, 8, 6), y.reshape(4, 8), None))
    assert " while(" in hlo and "dynamic-update-slice" not in hlo
