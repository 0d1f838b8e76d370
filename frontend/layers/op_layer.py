"""A kerax op applied to KerasTensors in the functional API (`x + 1`, `ops.mean(x)`)."""
from __future__ import annotations

from ..tracing import apply_op
from .layer import Layer


class OpLayer(Layer):
    """Applies one IR op; `template` holds the non-tensor operands, None where a tensor goes."""

    def __init__(self, op: str, template: tuple, attrs: dict, **kwargs):
        from .. import naming

        super().__init__(name=kwargs.pop("name", None) or naming.unique_name(op), **kwargs)
        self.op, self.template, self.attrs = op, tuple(template), dict(attrs)

    def call(self, *tensors):
        fill = iter(tensors)
        operands = [next(fill) if slot is None else slot for slot in self.template]
        return apply_op(self.op, *operands, **self.attrs)

    def get_config(self):
        return {**super().get_config(), "op": self.op, "template": self.template, "attrs": self.attrs}
