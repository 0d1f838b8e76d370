"""XLA's options per program: on CPU a program with a convolution leaves its convolutions to XLA
instead of the YNNPACK library (lowering/xla_options.py), and what XLA compiled shows it."""
import re

import jax
import numpy as np

import kerax
from kerax.lowering.xla_options import WITHOUT_CONVOLUTION, YNN_FUSION_TYPES
from test_loop_plan import compiled_hlo, convnet, data, mlp

# 32 filters: with fewer, XLA's defaults keep the convolution out of the library anyway
FILTERS = 32


def library_convolutions(hlo: str) -> int:
    """Convolutions inside custom (library) fusions of compiled HLO text."""
    bodies = dict(re.findall(r"^%(\S+) [^\n]*\{\n(.*?)\n\}", hlo, flags=re.M | re.S))
    called = re.findall(r"kind=kCustom, calls=%([\w.\-]+)", hlo)
    return sum(" convolution(" in bodies.get(name, "") for name in called)


def test_a_convolution_program_keeps_its_convolutions_in_xla():
    model = convnet(1, FILTERS)
    x, y = data(model, 16)
    model.fit(x, y, batch_size=8, verbose=0)
    plan = model.execution_stats.loops["train"]
    assert dict(plan.compiler_options) == {YNN_FUSION_TYPES: WITHOUT_CONVOLUTION}
    assert "not YNNPACK's" in str(plan)
    superbatch = (x[None, :8], y[None, :8], None)
    hlo = compiled_hlo(model, "train", "single", superbatch)
    assert hlo.count(" convolution(") == 2 and library_convolutions(hlo) == 0
    # the same program with XLA's defaults hands its convolutions to the library: the check can fail
    program = model._executables["train"].programs["single"]
    default = jax.jit(lambda s, b: program(s, b)).lower(model._state().values, superbatch).compile().as_text()
    assert library_convolutions(default) > 0


def test_a_program_without_convolutions_compiles_with_xlas_defaults():
    model = mlp(2)
    x, y = data(model, 16)
    model.fit(x, y, batch_size=8, verbose=0)
    assert model.execution_stats.loops["train"].compiler_options == ()


def test_an_eager_call_of_a_convolution_layer_keeps_it_in_xla():
    layer = kerax.layers.Conv2D(FILTERS, 3)
    x = np.ones((2, 8, 8, 3), np.float32)
    layer(x)
    program = next(iter(layer._eager_by_shape.values()))
    values = [v.value for v in program.variables]
    hlo = program.jitted.lower(values, [x]).compile().as_text()
    assert " convolution(" in hlo and library_convolutions(hlo) == 0


def test_a_convolution_model_called_inside_a_users_jit_and_grad():
    model = convnet(1, FILTERS)
    x = data(model, 2)[0]
    eager = np.asarray(model(x))
    np.testing.assert_allclose(np.asarray(jax.jit(lambda x: model(x))(x)), eager, rtol=1e-5, atol=1e-6)
    grad = jax.jit(jax.grad(lambda x: model(x).sum()))(x)
    assert grad.shape == x.shape and np.isfinite(np.asarray(grad)).all()
