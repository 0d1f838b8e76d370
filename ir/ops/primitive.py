"""The primitive op: one JAX primitive applied as a jaxpr equation applies it.

A step's loss, optimizer update and metric updates are written in `jax.numpy` by the frontend;
`ir.jaxpr_import` brings their jaxprs into the IR one equation per node. An equation that maps
onto a registered op becomes that op; any other becomes `primitive`, named by attr `name` (the
JAX primitive: `dot_general`, `custom_jvp_call`, `cond`, ...). Its parameters can hold jaxprs and
functions, so, like the opaque op's code, they are held out of line, in the graph's `callables`
table under attr `fn` (a binding of the primitive to its parameters); attr `params` prints the
plain ones for reading, and attr `results` states the result types. Binding the primitive with
its own parameters is what `jax.core.eval_jaxpr` does, so numerics are those of the jaxpr."""
from ..registry import COMPOSITE, register
from ..types import TensorType


def _infer(*in_types, name, fn, params, results):
    return [TensorType(tuple(shape), dtype) for dtype, shape in results]


@register("primitive", COMPOSITE, "a JAX primitive bound to its parameters; `fn` names the binding in the graph's "
          "callables", infer=_infer)
def _primitive(*operands, name, fn, params, results):
    raise RuntimeError(f"primitive node {fn!r}: it runs through its graph's callables table (ir.evaluate, lowering.lower)")
