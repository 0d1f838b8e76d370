"""Adamax (Adam with the infinity norm), as Keras 3's `Adamax`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import MomentOptimizer


class Adamax(MomentOptimizer):
    """`m = beta_1 m + (1 - beta_1) g; u = max(beta_2 u, |g|); w -= lr m / ((1 - beta_1**t)(u + eps))`.

    >>> opt = Adamax(learning_rate=0.1)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w])
    >>> np.round(w.numpy(), 3)
    array([-0.1], dtype=float32)
    """

    elementwise_update = True

    def slot_groups(self):
        return [("momentum", "norm")]

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        dtype = variable.dtype
        beta_1_power = jnp.power(jnp.asarray(self.beta_1, dtype), (iterations + 1).astype(dtype))
        m = slots["momentum"] + (gradient - slots["momentum"]) * (1 - self.beta_1)
        u = jnp.maximum(self.beta_2 * slots["norm"], jnp.abs(gradient))
        return variable - learning_rate * m / ((1 - beta_1_power) * (u + self.epsilon)), {"momentum": m, "norm": u}
