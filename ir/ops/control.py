"""Ops that hold nested graphs (regions), as jaxpr equations hold sub-jaxprs in their params.

value_and_grad(*operands; body, wrt) runs `body` on the operands and differentiates its first
output, a float scalar (the loss), with respect to the operands at positions `wrt`. Results, in
order: the loss, the body's other outputs (aux: predictions, metric inputs), the body's state
updates (BatchNorm statistics, RNG keys), and one gradient per `wrt` operand. It lowers to one
`jax.value_and_grad(..., has_aux=True)`, so XLA sees the same program as a hand-written step.

call(*operands; body) runs `body` on the operands; its results are the body's outputs. One body
may be held by many call nodes (the same Graph object): an optimizer's update of one kind of
weight is one region, called once per weight. Passes, the verifier and the printer visit a
shared region once; lowering inlines it at every call, so XLA sees what the closure computes.
"""
from __future__ import annotations

import jax

from ..evaluate import evaluate
from ..registry import COMPOSITE, register


def _value_and_grad_types(*operand_types, body, wrt):
    _bound_types("value_and_grad", body, operand_types)
    if not body.outputs or body.outputs[0].type.shape != () or "float" not in body.outputs[0].type.dtype:
        raise ValueError("value_and_grad: the body's first output must be a float scalar (the loss), received "
                         f"{[str(v.type) for v in body.outputs[:1]]}")
    if body.losses:
        raise ValueError("value_and_grad: the body must add its losses into its first output, not list them apart")
    if any(not isinstance(i, int) or not 0 <= i < len(operand_types) for i in wrt):
        raise ValueError(f"value_and_grad: `wrt` expected operand positions below {len(operand_types)}, received {wrt}")
    return [v.type for v in body.outputs] + [v.type for _, v in body.updates] + [operand_types[i] for i in wrt]


def _body_flops(body, symbol_size) -> int:
    from .. import registry

    return sum(registry.cost(n.op, [v.type for v in n.inputs], [o.type for o in n.outputs], n.attrs, symbol_size)[0]
               for n in body.nodes)


def _value_and_grad_flops(in_types, out_types, attrs, symbol_size):
    return 3 * _body_flops(attrs["body"], symbol_size)  # the backward pass costs about twice the forward


@register("value_and_grad", COMPOSITE, "the loss of a region and its gradient with respect to some operands",
          infer=_value_and_grad_types, flops=_value_and_grad_flops)
def _value_and_grad(*operands, body, wrt):
    def loss_of(differentiated):
        args = list(operands)
        for position, value in zip(wrt, differentiated):
            args[position] = value
        outputs, updates, _ = evaluate(body, args)
        return outputs[0], (outputs[1:], updates)

    (loss, (aux, updates)), grads = jax.value_and_grad(loss_of, has_aux=True)([operands[i] for i in wrt])
    return (loss, *aux, *updates, *grads)


def _bound_types(op: str, body, operand_types) -> None:
    bound = [gi for gi in body.inputs if gi.kind != "const"]
    if len(operand_types) != len(bound):
        raise ValueError(f"{op}: the body takes {len(bound)} operands, received {len(operand_types)}")
    for k, (want, gi) in enumerate(zip(operand_types, bound)):
        if want.with_sharding(None) != gi.value.type.with_sharding(None):
            raise ValueError(f"{op}: operand {k} is {want} but the body's input {gi.name!r} is {gi.value.type}")


def _call_types(*operand_types, body):
    _bound_types("call", body, operand_types)
    if body.updates or body.losses:
        raise ValueError("call: the body must return its results as outputs, not as updates or losses")
    return [v.type for v in body.outputs]


def _call_flops(in_types, out_types, attrs, symbol_size):
    return _body_flops(attrs["body"], symbol_size)


@register("call", COMPOSITE, "a region run on the operands; one region may be shared by many calls",
          infer=_call_types, flops=_call_flops)
def _call(*operands, body):
    outputs, _, _ = evaluate(body, list(operands))
    return tuple(outputs)
