"""`model.summary()`: layers, output shapes and parameter counts, as Keras prints them."""
from __future__ import annotations

import numpy as np


def _shape_text(layer) -> str:
    try:
        outputs = layer.output
    except AttributeError:
        return "?"
    shapes = [tuple(t.shape) for t in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    return ", ".join(str(s) for s in shapes) if len(shapes) > 1 else str(shapes[0])


def _count(variables) -> int:
    return int(sum(np.prod(v.shape) for v in variables))


def _bytes(variables) -> int:
    return int(sum(np.prod(v.shape) * np.dtype(v.dtype if v.dtype != "bfloat16" else "float16").itemsize for v in variables))


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n:.2f} GB"


def print_summary(model, line_length=None, print_fn=None, show_trainable=False):
    print_fn = print_fn or print
    width = line_length or 80
    columns = [("Layer (type)", 0.45), ("Output Shape", 0.35), ("Param #", 0.2)]
    if show_trainable:
        columns.append(("Trainable", 0.1))
    sizes = [int(width * f) for _, f in columns]
    rows = []
    for layer in model.layers:
        row = [f"{layer.name} ({type(layer).__name__})", _shape_text(layer), f"{layer.count_params():,}"]
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        rows.append(row)

    def line(cells):
        return "".join(str(c)[: s - 1].ljust(s) for c, s in zip(cells, sizes)).rstrip()

    print_fn(f'Model: "{model.name}"')
    print_fn("━" * width)
    print_fn(line([c for c, _ in columns]))
    print_fn("━" * width)
    for i, row in enumerate(rows):
        print_fn(line(row))
        print_fn(("─" if i < len(rows) - 1 else "━") * width)
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    print_fn(f" Total params: {_count(model.weights):,} ({_human(_bytes(model.weights))})")
    print_fn(f" Trainable params: {_count(trainable):,} ({_human(_bytes(trainable))})")
    print_fn(f" Non-trainable params: {_count(non_trainable):,} ({_human(_bytes(non_trainable))})")
