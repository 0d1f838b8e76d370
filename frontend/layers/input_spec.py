"""InputSpec: what a layer accepts, checked on every call with Keras's error wording."""
from __future__ import annotations


class InputSpec:
    """Rank and axis sizes a layer expects.

    >>> InputSpec(min_ndim=2, axes={-1: 64})  # doctest: +SKIP
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name


def check_input_compatibility(layer_name: str, specs, shapes: list) -> None:
    if specs is None:
        return
    specs = specs if isinstance(specs, (list, tuple)) else [specs]
    for index, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is None or shape is None:
            continue
        prefix = f"Input {index} of layer '{layer_name}' is incompatible with the layer:"
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(f"{prefix} expected ndim={spec.ndim}, found ndim={rank}. Full shape received: {tuple(shape)}")
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(f"{prefix} expected min_ndim={spec.min_ndim}, found ndim={rank}. Full shape received: {tuple(shape)}")
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(f"{prefix} expected max_ndim={spec.max_ndim}, found ndim={rank}. Full shape received: {tuple(shape)}")
        for axis, size in spec.axes.items():
            if size is None or -rank > axis or axis >= rank:
                continue
            if shape[axis] is not None and shape[axis] != size:
                raise ValueError(f"{prefix} expected axis {axis} of input shape to have value {size}, "
                                 f"but received input with shape {tuple(shape)}")
        if spec.shape is not None:
            for axis, (want, got) in enumerate(zip(spec.shape, shape)):
                if want is not None and got is not None and want != got:
                    raise ValueError(f"{prefix} expected shape={tuple(spec.shape)}, found shape={tuple(shape)}")
