"""The rest of Keras 3's optimizers (Nadam, Adamax, Adadelta, Ftrl, Lion, Lamb, Adafactor, Muon,
LossScaleOptimizer): kerax's jitted `stateless_apply` against Keras 3's `apply`, step by step,
with the same variables in the same order."""
import copy
import os
import re

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import kerax
from kerax.frontend import optimizers
from kerax.frontend.variables import Variable
from test_optimizers import _data, run_keras, run_kerax

CASES = [
    ("Nadam", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01, "weight_decay": 0.1, "clipnorm": 0.5}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Adamax", {"learning_rate": 0.01, "beta_1": 0.5, "global_clipnorm": 1.0}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.8, "epsilon": 1e-3}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1, "learning_rate_power": -0.3}),
    ("Lion", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "weight_decay": 0.1}),
    ("Lamb", {"learning_rate": 0.01}),
    ("Lamb", {"learning_rate": 0.01, "clipvalue": 0.5}),
    ("Adafactor", {"learning_rate": 0.01}),
    ("Adafactor", {"learning_rate": 0.5, "relative_step": False, "clip_threshold": 0.5}),
    ("Muon", {"learning_rate": 0.01}),
    ("Muon", {"learning_rate": 0.01, "nesterov": False, "adam_lr_ratio": 0.5, "rms_rate": None}),
]


@pytest.mark.parametrize("kind,cfg", CASES, ids=[f"{k}-{'-'.join(c)}" for k, c in CASES])
def test_update_matches_keras(kind, cfg):
    params, grad_steps = _data()
    opt, values, state = run_kerax(kind, cfg, params, grad_steps)
    keras_opt, keras_values, keras_state = run_keras(kind, cfg, params, grad_steps)
    for got, want in zip(values, keras_values):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-5)
    # Keras numbers its unnamed variables session-wide (Nadam's "variable", "variable_1", ...).
    unnumbered = [re.sub(r"^variable_\d+$", "variable", v.name) for v in keras_opt.variables]
    assert [v.name for v in opt.variables] == unnumbered
    assert len(state) == len(keras_state)
    for got, want in zip(state, keras_state):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-5)
        assert got.shape == want.shape and got.dtype == want.dtype


def test_muon_keeps_adam_for_embeddings_and_excluded_layers():
    opt = optimizers.Muon(exclude_layers=["head"])
    variables = [Variable(np.ones((3, 4), "float32"), name="embeddings", path="embedding/embeddings"),
                 Variable(np.ones((3, 4), "float32"), name="kernel", path="head/kernel"),
                 Variable(np.ones((3, 4), "float32"), name="kernel", path="dense/kernel")]
    opt.build(variables)
    names = [v.name for v in opt.variables[2:]]
    assert names == ["embedding_embeddings_momentum", "embedding_embeddings_velocity", "head_kernel_momentum",
                     "head_kernel_velocity", "dense_kernel_momentum"]


def _step_both(ours, theirs, variables, keras_variables, grad_steps):
    """Build both optimizers and step their jitted `stateless_apply` through `grad_steps`,
    comparing every weight and optimizer variable after each step; the final states."""
    ours.build(variables)
    theirs.build(keras_variables)  # Keras's eager apply leaks tracers on JAX: compare the pure forms
    assert len(ours.variables) == len(theirs.variables)
    step, keras_step = jax.jit(ours.stateless_apply), jax.jit(theirs.stateless_apply)
    values, state = [v.value for v in variables], [v.value for v in ours.variables]
    keras_values, keras_state = [v.value for v in keras_variables], [v.value for v in theirs.variables]
    for grads in grad_steps:
        grads = [jnp.asarray(g) for g in grads]
        values, state = step(state, grads, values)
        keras_values, keras_state = keras_step(keras_state, grads, keras_values)
        for got, want in zip([*values, *state], [*keras_values, *keras_state]):
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6, rtol=1e-6)
    return state, keras_state


@pytest.mark.parametrize("inner", ["sgd", "adam"])
def test_loss_scale_optimizer_matches_keras_through_overflow_and_growth(inner):
    params, grad_steps = _data(4)
    grad_steps = grad_steps + [[np.full_like(g, np.inf) for g in grad_steps[0]]] + grad_steps[:2]
    ours = optimizers.LossScaleOptimizer(optimizers.get(inner), initial_scale=8.0, dynamic_growth_steps=2,
                                         name="lso")
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.get(inner), initial_scale=8.0,
                                                 dynamic_growth_steps=2, name="lso")
    variables = [Variable(p, name=n) for p, n in zip(params, ("kernel", "bias"))]
    keras_variables = [keras.Variable(p, name=n) for p, n in zip(params, ("kernel", "bias"))]
    state, keras_state = _step_both(ours, theirs, variables, keras_variables, grad_steps)
    assert [v.path.split("/")[-1] for v in ours.variables] == [v.path.split("/")[-1] for v in theirs.variables]
    assert [v.path for v in ours.variables][:4] == [v.path for v in theirs.variables][:4]
    assert float(state[3]) == float(keras_state[3]) != 8.0
    np.testing.assert_allclose(ours.stateless_scale_loss(state, jnp.asarray(2.0)), 2.0 * float(state[3]))


def test_loss_scale_optimizer_updates_weights_only_in_the_branch_taken():
    # The inner update belongs inside one `cond`, as Keras's: computed every step and then passed
    # through a select over every weight and slot, it cost a quarter more time a step.
    params, grad_steps = _data(1)
    opt = optimizers.LossScaleOptimizer(optimizers.Adam())
    variables = [Variable(p, name=n) for p, n in zip(params, ("kernel", "bias"))]
    opt.build(variables)
    jaxpr = jax.make_jaxpr(opt.stateless_apply)([v.value for v in opt.variables],
                                                [jnp.asarray(g) for g in grad_steps[0]], [v.value for v in variables])
    top = [eqn.primitive.name for eqn in jaxpr.eqns]
    assert top.count("cond") == 1
    assert "sqrt" not in top and "select_n" not in top  # Adam's update and no select outside the cond


def test_multi_optimizer_matches_keras():
    params, grad_steps = _data(3)
    names = ("encoder/kernel", "head/bias")

    def build(lib):
        chooser = lib.optimizers.OptimizerMap(lib.optimizers.SGD(0.1, momentum=0.9),
                                              {"encoder/.*": lib.optimizers.Adam(0.01)})
        return lib.optimizers.MultiOptimizer(chooser, name="multi")

    ours, theirs = build(kerax), build(keras)
    variables = [Variable(p, name=n.split("/")[1], path=n) for p, n in zip(params, names)]
    keras_variables = []
    for p, n in zip(params, names):
        with keras.name_scope(n.split("/")[0]):
            keras_variables.append(keras.Variable(p, name=n.split("/")[1]))
    _step_both(ours, theirs, variables, keras_variables, grad_steps)
    with pytest.raises(AttributeError, match="sub-optimizers"):
        ours.learning_rate
    again = optimizers.deserialize(optimizers.serialize(ours))
    assert isinstance(again, optimizers.MultiOptimizer) and len(again.optimizers) == 2


def test_loss_scale_optimizer_rejects_base_arguments():
    with pytest.raises(ValueError, match="clipnorm.*inner_optimizer"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)


def test_constructor_errors_name_the_argument():
    with pytest.raises(ValueError, match="`beta_1`.*beta_1=0"):
        optimizers.Lion(beta_1=0)
    with pytest.raises(ValueError, match="`l1_regularization_strength`"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ValueError, match="`learning_rate_power`"):
        optimizers.Ftrl(learning_rate_power=0.5)


@pytest.mark.parametrize("opt", [
    optimizers.Nadam(beta_1=0.8), optimizers.Adamax(epsilon=1e-3), optimizers.Adadelta(rho=0.9),
    optimizers.Ftrl(beta=0.1), optimizers.Lion(beta_2=0.9), optimizers.Lamb(), optimizers.Adafactor(clip_threshold=2.0),
    optimizers.Muon(exclude_layers=["x"]), optimizers.LossScaleOptimizer(optimizers.Adam(), initial_scale=4.0),
], ids=lambda o: type(o).__name__)
def test_config_round_trip_and_keras_compatibility(opt):
    config = optimizers.serialize(opt)
    again = optimizers.deserialize(config)
    assert type(again) is type(opt) and optimizers.serialize(again) == config
    # Keras's own deserialize does not list Lamb; its class reads the config all the same.
    keras_opt = getattr(keras.optimizers, config["class_name"]).from_config(copy.deepcopy(config["config"]))
    assert keras.optimizers.serialize(keras_opt) == config
