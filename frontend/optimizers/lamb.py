"""LAMB (layer-wise adaptive Adam), as Keras 3's `Lamb`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import MomentOptimizer


class Lamb(MomentOptimizer):
    """Bias-corrected Adam direction `u`, scaled per weight by the trust ratio `||w|| / ||u||`
    (1 where either norm is zero).

    >>> opt = Lamb(learning_rate=0.1)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w])
    >>> np.round(w.numpy(), 3)
    array([-0.1], dtype=float32)
    """

    def slot_groups(self):
        return [("momentum", "velocity")]

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        dtype = variable.dtype
        step = (iterations + 1).astype(dtype)
        beta_1_power = jnp.power(jnp.asarray(self.beta_1, dtype), step)
        beta_2_power = jnp.power(jnp.asarray(self.beta_2, dtype), step)
        m = slots["momentum"] + (gradient - slots["momentum"]) * (1 - self.beta_1)
        v = slots["velocity"] + (jnp.square(gradient) - slots["velocity"]) * (1 - self.beta_2)
        update = (m / (1.0 - beta_1_power)) / (jnp.sqrt(v / (1.0 - beta_2_power)) + self.epsilon)
        w_norm = jnp.sqrt(jnp.sum(jnp.square(variable)))
        g_norm = jnp.sqrt(jnp.sum(jnp.square(update)))
        safe_g_norm = jnp.where(g_norm > 0, g_norm, 1.0)
        ratio = jnp.where((w_norm > 0) & (g_norm > 0), w_norm / safe_g_norm, 1.0)
        return variable - ratio * learning_rate * update, {"momentum": m, "velocity": v}
