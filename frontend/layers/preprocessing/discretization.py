"""Discretization: values bucketed by sorted boundaries (kerax.ops.digitize), given or learned by
`adapt` with Keras's approximate-quantile summary, so adapted boundaries equal Keras's."""
from __future__ import annotations

import numpy as np

from ... import ops
from ..layer import Layer
from .adapt_data import batches
from .category_encoding import check_output_mode, encode_categorical

__all__ = ["Discretization"]


def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def _merge(previous, new, epsilon):
    merged = np.concatenate((previous, new), axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


class Discretization(Layer):
    """Buckets values: with boundaries [0, 1], x < 0 -> 0, 0 <= x < 1 -> 1, x >= 1 -> 2.

    >>> Discretization(bin_boundaries=[0.0, 1.0])(np.array([-1.0, 0.5, 2.0])).tolist()
    [0, 1, 2]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        check_output_mode("Discretization", output_mode)
        if sparse:
            raise ValueError("Layer Discretization: `sparse=True` is not supported with the JAX backend")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Layer Discretization: argument `num_bins` must be >= 0, received {num_bins}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Layer Discretization: set `num_bins` or `bin_boundaries`, not both; received "
                             f"num_bins={num_bins} and bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Layer Discretization: set either `num_bins` (then call adapt) or `bin_boundaries`")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse
        self.summary = np.array([[], []], "float32")

    def adapt(self, data, steps=None) -> None:
        """Learn `num_bins` quantile boundaries from `data` (an array or an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError(f"Layer '{self.name}' (Discretization): cannot adapt a layer made with "
                             "`bin_boundaries`; make it with `num_bins` instead")
        self.summary = np.array([[], []], "float32")
        for i, part in enumerate(batches("Discretization", data)):
            if steps is not None and i >= steps:
                break
            self.summary = _merge(_summarize(part.astype("float32"), self.epsilon), self.summary, self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Layer '{self.name}' (Discretization): pass `bin_boundaries` to the constructor or "
                             "call `adapt(data)` before using the layer")
        indices = ops.digitize(ops.cast(inputs, "float32"), np.asarray(self.bin_boundaries, "float32"))
        dtype = "int32" if self.output_mode == "int" else self.compute_dtype
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1, dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
