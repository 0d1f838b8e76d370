"""An elementwise region re-typed for another shape is the region tracing at that shape gives."""
import jax.numpy as jnp
import pytest

from kerax.frontend.optimizers.adam import adam_step
from kerax.ir import GraphBuilder, TensorType, print_graph, verify
from kerax.ir.elementwise import at_shape, shape_free
from kerax.ir.jaxpr_import import import_region


def adam_region(shape, name="adam"):
    b = GraphBuilder("args")
    f32 = [b.add_input(TensorType(shape, "float32"), "input", n) for n in ("g", "w", "m", "v")]
    lr = b.add_input(TensorType((), "float32"), "input", "lr")
    it = b.add_input(TensorType((), "int32"), "input", "it")
    args = (f32[0], f32[1], lr, {"momentum": f32[2], "velocity": f32[3]}, it)
    return import_region(name, lambda g, w, lr, slots, it: adam_step(g, w, lr, slots, it, 0.9, 0.999, 1e-7), args)[0]


@pytest.mark.parametrize("new_shape", [(7,), (2, 5, 3)])
def test_adam_retyped_is_adam_traced_at_that_shape(new_shape):
    region = adam_region((4, 3))
    assert shape_free(region, (4, 3))
    retyped = verify(at_shape(region, (4, 3), new_shape, "adam"))
    assert print_graph(retyped) == print_graph(adam_region(new_shape))
    assert print_graph(region) == print_graph(adam_region((4, 3)))  # the original is untouched


def test_a_reduction_or_a_scalar_weight_is_not_shape_free():
    b = GraphBuilder("norm")
    w = b.add_input(TensorType((4, 3), "float32"), "input", "w")
    region = import_region("norm", lambda w: w / jnp.sqrt(jnp.sum(w * w)), (w,))[0]
    assert not shape_free(region, (4, 3))
    with pytest.raises(ValueError, match="not elementwise over \\(4, 3\\)"):
        at_shape(region, (4, 3), (5,), "norm")
    assert not shape_free(adam_region(()), ())
