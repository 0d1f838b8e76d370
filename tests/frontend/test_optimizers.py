"""Optimizers: kerax's jitted `stateless_apply` vs a NumPy transcription of each update rule vs Keras 3."""
import copy
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from kerax.frontend import constraints, optimizers
from kerax.frontend.optimizers import schedules
from kerax.frontend.variables import Variable

SHAPES = [(3, 4), (4,)]
STEPS = 3


def _data(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(STEPS)]
    return params, grads


# -- NumPy references: Keras 3's update rules written out (float64) ------------------------------
def _np_schedule(lr, step):
    if not isinstance(lr, dict):
        return lr
    if lr["kind"] == "exponential":
        return lr["initial"] * lr["rate"] ** (step / lr["steps"])
    # cosine with linear warmup
    warm, target, init, steps = lr["warmup_steps"], lr["target"], lr["initial"], lr["steps"]
    step = min(step, steps + warm)
    if step < warm:
        return (target - init) * step / warm + init
    return target * 0.5 * (1 + np.cos(np.pi * (step - warm) / steps))


def _np_clip(grads, cfg):
    if cfg.get("clipnorm"):
        c = cfg["clipnorm"]
        return [g * c / max(np.sqrt(np.sum(g * g)), c) for g in grads]
    if cfg.get("global_clipnorm"):
        c = cfg["global_clipnorm"]
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * c * min(1 / norm, 1 / c) for g in grads]
    if cfg.get("clipvalue"):
        return [np.clip(g, -cfg["clipvalue"], cfg["clipvalue"]) for g in grads]
    return grads


def numpy_reference(kind, cfg, params, grad_steps):
    params = [p.astype("float64") for p in params]
    slots = {name: [np.zeros_like(p) for p in params] for name in ("m", "v", "vhat", "avg")}
    if kind == "adagrad":
        slots["v"] = [np.full_like(p, cfg.get("initial_accumulator_value", 0.1)) for p in params]
    for t, grads in enumerate(grad_steps):
        lr = _np_schedule(cfg["learning_rate"], t)
        grads = _np_clip([g.astype("float64") for g in grads], cfg)
        for i, (w, g) in enumerate(zip(params, grads)):
            if cfg.get("weight_decay"):
                w = w - w * cfg["weight_decay"] * lr
            m, v = slots["m"][i], slots["v"][i]
            if kind == "sgd":
                mu = cfg.get("momentum", 0.0)
                if mu:
                    m = mu * m - lr * g
                    w = w + (mu * m - lr * g if cfg.get("nesterov") else m)
                else:
                    w = w - lr * g
            elif kind in ("adam", "adamw"):
                b1, b2, eps = 0.9, 0.999, 1e-7
                m = m + (g - m) * (1 - b1)
                v = v + (g * g - v) * (1 - b2)
                alpha = lr * np.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
                v_used = v
                if cfg.get("amsgrad"):
                    v_used = slots["vhat"][i] = np.maximum(slots["vhat"][i], v)
                w = w - m * alpha / (np.sqrt(v_used) + eps)
            elif kind == "rmsprop":
                rho, eps, mu = 0.9, 1e-7, cfg.get("momentum", 0.0)
                v = rho * v + (1 - rho) * g * g
                if cfg.get("centered"):
                    avg = slots["avg"][i] = rho * slots["avg"][i] + (1 - rho) * g
                    increment = lr * g / np.sqrt(v - avg * avg + eps)
                else:
                    increment = lr * g / np.sqrt(v + eps)
                if mu:
                    m = mu * m + increment
                    w = w - m
                else:
                    w = w - increment
            elif kind == "adagrad":
                v = v + g * g
                w = w - lr * g / np.sqrt(v + 1e-7)
            params[i], slots["m"][i], slots["v"][i] = w, m, v
    return params


# -- runners -------------------------------------------------------------------------------------
def _kerax_learning_rate(lr):
    if not isinstance(lr, dict):
        return lr
    if lr["kind"] == "exponential":
        return schedules.ExponentialDecay(lr["initial"], lr["steps"], lr["rate"])
    return schedules.CosineDecay(lr["initial"], lr["steps"], warmup_target=lr["target"],
                                 warmup_steps=lr["warmup_steps"])


def _keras_learning_rate(lr):
    if not isinstance(lr, dict):
        return lr
    if lr["kind"] == "exponential":
        return keras.optimizers.schedules.ExponentialDecay(lr["initial"], lr["steps"], lr["rate"])
    return keras.optimizers.schedules.CosineDecay(lr["initial"], lr["steps"], warmup_target=lr["target"],
                                                  warmup_steps=lr["warmup_steps"])


def run_kerax(kind, cfg, params, grad_steps):
    opt = optimizers.get({"class_name": kind, "config": {**cfg, "learning_rate": _kerax_learning_rate(
        cfg["learning_rate"])}})
    variables = [Variable(p, name=n) for p, n in zip(params, ("kernel", "bias"))]
    opt.build(variables)
    step = jax.jit(opt.stateless_apply)
    values, state = [v.value for v in variables], [v.value for v in opt.variables]
    for grads in grad_steps:
        values, state = step(state, [jnp.asarray(g) for g in grads], values)
    return opt, [np.asarray(v) for v in values], [np.asarray(s) for s in state]


def run_keras(kind, cfg, params, grad_steps):
    cls = next(getattr(keras.optimizers, n) for n in dir(keras.optimizers) if n.lower() == kind.lower())
    opt = cls(**{**cfg, "learning_rate": _keras_learning_rate(cfg["learning_rate"])})
    variables = [keras.Variable(p, name=n) for p, n in zip(params, ("kernel", "bias"))]
    for grads in grad_steps:
        opt.apply([jnp.asarray(g) for g in grads], variables)
    return opt, [np.asarray(v.value) for v in variables], [np.asarray(v.value) for v in opt.variables]


EXPONENTIAL = {"kind": "exponential", "initial": 0.1, "steps": 2, "rate": 0.5}
WARMUP_COSINE = {"kind": "cosine", "initial": 0.0, "steps": 4, "target": 0.05, "warmup_steps": 2}
CASES = [
    ("sgd", {"learning_rate": 0.1}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.1, "weight_decay": 0.05, "clipnorm": 0.5}),
    ("sgd", {"learning_rate": EXPONENTIAL, "momentum": 0.5}),
    ("adam", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adam", {"learning_rate": 0.01, "global_clipnorm": 0.5}),
    ("adam", {"learning_rate": WARMUP_COSINE}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True, "clipnorm": 1.0}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True, "clipvalue": 0.5}),
    ("adagrad", {"learning_rate": 0.1}),
    ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "global_clipnorm": 1.0}),
]


@pytest.mark.parametrize("kind,cfg", CASES, ids=[f"{k}-{'-'.join(c)}" for k, c in CASES])
def test_update_matches_numpy_and_keras(kind, cfg):
    params, grad_steps = _data()
    opt, values, state = run_kerax(kind, cfg, params, grad_steps)
    expected = numpy_reference(kind, cfg, params, grad_steps)
    for got, want in zip(values, expected):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-6)
    keras_opt, keras_values, keras_state = run_keras(kind, cfg, params, grad_steps)
    for got, want in zip(values, keras_values):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-6)
    # Same variables, same order (the .weights.h5 `optimizer/vars` order), same values.
    assert [v.name for v in opt.variables] == [v.name for v in keras_opt.variables]
    assert [v.path for v in opt.variables] == [f"{opt.name}/{v.name}" for v in opt.variables]
    assert len(state) == len(keras_state)
    for got, want in zip(state, keras_state):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-6)
        assert got.dtype == want.dtype


def test_adam_slot_order_is_keras_interleaved_order():
    opt = optimizers.Adam(amsgrad=True, name="adam")
    opt.build([Variable(np.zeros((2,), "float32"), name="kernel", path="dense/kernel"),
               Variable(np.zeros((2,), "float32"), name="bias", path="dense/bias")])
    assert [v.path for v in opt.variables] == [
        "adam/iteration", "adam/learning_rate",
        "adam/dense_kernel_momentum", "adam/dense_kernel_velocity",
        "adam/dense_bias_momentum", "adam/dense_bias_velocity",
        "adam/dense_kernel_velocity_hat", "adam/dense_bias_velocity_hat",
    ]
    assert opt.variables[0].dtype == "int32" and not any(v.trainable for v in opt.variables)


def test_eager_apply_matches_keras():
    params, grad_steps = _data(1)
    opt = optimizers.RMSprop(learning_rate=0.01, momentum=0.3, centered=True)
    variables = [Variable(p, name=n) for p, n in zip(params, ("kernel", "bias"))]
    for grads in grad_steps:
        opt.apply(grads, variables)
    _, keras_values, _ = run_keras("rmsprop", {"learning_rate": 0.01, "momentum": 0.3, "centered": True},
                                   params, grad_steps)
    for got, want in zip(variables, keras_values):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-6)
    assert int(opt.iterations.numpy()) == STEPS
    assert int(opt.apply_gradients(zip(grad_steps[0], variables)).numpy()) == STEPS + 1


def test_runs_inside_lax_scan_like_a_python_loop():
    params, grad_steps = _data(2)
    opt = optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.01, 2, 0.5), amsgrad=True)
    variables = [Variable(p, name=n) for p, n in zip(params, ("kernel", "bias"))]
    opt.build(variables)
    stacked = [jnp.stack([g[i] for g in grad_steps]) for i in range(len(SHAPES))]

    def body(carry, grads):
        return opt.stateless_apply(carry[1], grads, carry[0]), None

    init = ([v.value for v in variables], [v.value for v in opt.variables])
    (scanned, scanned_state), _ = jax.jit(lambda c, g: jax.lax.scan(body, c, g))(init, stacked)
    _, looped, looped_state = run_kerax("adam", {"learning_rate": {"kind": "exponential", "initial": 0.01,
                                                                   "steps": 2, "rate": 0.5}, "amsgrad": True},
                                        params, grad_steps)
    for a, b in zip([*scanned, *scanned_state], [*looped, *looped_state]):
        np.testing.assert_allclose(np.asarray(a), b, atol=1e-7)


def test_assigning_learning_rate_changes_next_update_without_retracing():
    opt = optimizers.SGD(learning_rate=0.1)
    w = Variable(np.ones((3,), "float32"), name="w")
    opt.build([w])
    traces = []

    @jax.jit
    def step(state, grads, values):
        traces.append(1)  # runs only while tracing
        return opt.stateless_apply(state, grads, values)

    grads = [jnp.ones((3,))]
    values, state = step([v.value for v in opt.variables], grads, [w.value])
    np.testing.assert_allclose(values[0], 0.9, atol=1e-7)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    values, state = step([v.value for v in opt.variables], grads, values)
    np.testing.assert_allclose(values[0], 0.4, atol=1e-7)
    assert len(traces) == 1


def test_schedule_learning_rate_is_not_settable_and_follows_iterations():
    opt = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 1, 0.5))
    assert len(opt.variables) == 1  # iterations only: no learning-rate variable
    w = Variable(np.ones((2,), "float32"), name="w")
    opt.apply([np.ones((2,), "float32")], [w])
    np.testing.assert_allclose(opt.learning_rate, 0.05, rtol=1e-6)
    with pytest.raises(TypeError, match="created with a schedule"):
        opt.learning_rate = 0.01


def test_constraint_applied_after_update_as_keras():
    params, grad_steps = _data(3)
    opt = optimizers.SGD(learning_rate=1.0)
    variables = [Variable(params[0], name="kernel", constraint=constraints.NonNeg()),
                 Variable(params[1], name="bias", constraint=constraints.MaxNorm(1.0, axis=0))]
    opt.build(variables)
    step = jax.jit(opt.stateless_apply)
    values, state = [v.value for v in variables], [v.value for v in opt.variables]
    for grads in grad_steps:
        values, state = step(state, grads, values)
    keras_vars = [keras.Variable(params[0], name="kernel"), keras.Variable(params[1], name="bias")]
    keras_vars[0].constraint = keras.constraints.NonNeg()
    keras_vars[1].constraint = keras.constraints.MaxNorm(1.0, axis=0)
    keras_opt = keras.optimizers.SGD(learning_rate=1.0)
    for grads in grad_steps:
        keras_opt.apply(grads, keras_vars)
    assert np.all(np.asarray(values[0]) >= 0)
    for got, want in zip(values, keras_vars):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want.value), atol=1e-6)


def test_none_gradient_leaves_weight_and_slots_alone():
    opt = optimizers.Adam()
    a, b = Variable(np.ones((2,), "float32"), name="a"), Variable(np.ones((2,), "float32"), name="b")
    opt.apply([None, np.ones((2,), "float32")], [a, b])
    np.testing.assert_array_equal(a.numpy(), 1.0)
    assert np.all(b.numpy() < 1.0)
    assert not np.any(opt.variables[2].numpy())  # a's momentum


def test_exclude_from_weight_decay():
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    kernel, bias = Variable(np.ones((2,), "float32"), name="kernel"), Variable(np.ones((2,), "float32"), name="bias")
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([np.zeros((2,), "float32")] * 2, [kernel, bias])
    np.testing.assert_allclose(kernel.numpy(), 0.95)
    np.testing.assert_allclose(bias.numpy(), 1.0)


def test_get_unknown_name_error_text():
    with pytest.raises(ValueError) as info:
        optimizers.get("adamm")
    assert str(info.value).startswith(
        "Unknown optimizer 'adamm': expected one of ['adadelta', 'adafactor', 'adagrad', 'adam', 'adamax', 'adamw', "
        "'ftrl', 'lamb', 'lion', 'lossscaleoptimizer', 'multioptimizer', 'muon', 'nadam', 'rmsprop', 'sgd']")


def test_get_forms():
    assert type(optimizers.get("ADAM")) is optimizers.Adam
    assert type(optimizers.get("RMSprop")) is optimizers.RMSprop
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get({"class_name": "AdamW", "config": {"weight_decay": 0.1}}).weight_decay == 0.1


def test_constructor_errors_name_the_class_and_argument():
    with pytest.raises(TypeError, match=r"Adam.*'bogus'"):
        optimizers.Adam(bogus=1)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        optimizers.SGD(use_ema=True, ema_overwrite_frequency=0.5)
    with pytest.raises(NotImplementedError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=4)
    with pytest.raises(ValueError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


@pytest.mark.parametrize("opt", [
    optimizers.Adam(learning_rate=0.02, amsgrad=True, clipnorm=1.0),
    optimizers.SGD(learning_rate=schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5), momentum=0.9),
    optimizers.RMSprop(centered=True),
    optimizers.Adagrad(learning_rate=schedules.PiecewiseConstantDecay([10], [0.1, 0.01])),
    optimizers.AdamW(weight_decay=0.01),
], ids=lambda o: type(o).__name__)
def test_config_round_trip_and_keras_compatibility(opt):
    config = optimizers.serialize(opt)
    again = optimizers.deserialize(config)
    assert type(again) is type(opt) and optimizers.serialize(again) == config
    keras_opt = keras.optimizers.deserialize(copy.deepcopy(config))  # Keras edits the dict it is given
    assert keras.optimizers.serialize(keras_opt) == config


@pytest.mark.parametrize("kerax_schedule,keras_schedule", [
    (schedules.ExponentialDecay(0.1, 3, 0.7, staircase=True),
     keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.7, staircase=True)),
    (schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
     keras.optimizers.schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1])),
    (schedules.PolynomialDecay(0.1, 4, power=2.0, cycle=True),
     keras.optimizers.schedules.PolynomialDecay(0.1, 4, power=2.0, cycle=True)),
    (schedules.PolynomialDecay(0.1, 4), keras.optimizers.schedules.PolynomialDecay(0.1, 4)),
    (schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True),
     keras.optimizers.schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True)),
    (schedules.CosineDecay(0.1, 5, alpha=0.1), keras.optimizers.schedules.CosineDecay(0.1, 5, alpha=0.1)),
    (schedules.CosineDecay(0.0, 5, warmup_target=0.1, warmup_steps=3),
     keras.optimizers.schedules.CosineDecay(0.0, 5, warmup_target=0.1, warmup_steps=3)),
], ids=lambda s: type(s).__name__)
def test_schedules_match_keras_under_jit(kerax_schedule, keras_schedule):
    steps = jnp.arange(12, dtype="int32")
    got = jax.jit(jax.vmap(kerax_schedule))(steps)
    want = [float(keras_schedule(jnp.asarray(s))) for s in range(12)]
    np.testing.assert_allclose(np.asarray(got), want, atol=1e-7, rtol=1e-6)
    assert schedules.deserialize(schedules.serialize(kerax_schedule)).get_config() == kerax_schedule.get_config()
    assert kerax_schedule.get_config() == keras_schedule.get_config()
