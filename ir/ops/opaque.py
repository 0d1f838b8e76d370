"""The opaque op: user code kerax could not trace into IR ops (raw `jax.numpy` in a layer's
`call`, a loss object called inside `call`). It is the IR's one explicit exception to "no
Python in attributes": the callable is held out of line, in the graph's `callables` table under
the name in attr `fn`, and attr `results` states its result types, so the verifier, printer and
parser need no Python code. Passes do not look inside it, merge it or fold it; lowering calls it."""
from ..registry import OPAQUE, register
from ..types import TensorType


def _infer(*in_types, fn, results):
    return [TensorType(tuple(shape), dtype) for dtype, shape in results]


@register("opaque", OPAQUE, "user code run as written; `fn` names it in the graph's callables", infer=_infer)
def _opaque(*operands, fn, results):
    raise RuntimeError(f"opaque node {fn!r}: it runs through its graph's callables table (lowering.lower)")
