"""Nadam (Adam with Nesterov momentum), as Keras 3's `Nadam`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import MomentOptimizer


class Nadam(MomentOptimizer):
    """Adam whose momentum looks one step ahead, with the momentum schedule
    `u_t = beta_1 * (1 - 0.5 * 0.96 ** t)` and its running product kept as shared state.

    >>> opt = Nadam(learning_rate=0.1)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w])
    >>> np.round(w.numpy(), 3)
    array([-0.1], dtype=float32)
    """

    elementwise_update = True

    def slot_groups(self):
        return [("momentum", "velocity")]

    def extra_variables(self, var_list):
        # Keras creates it unnamed, hence its name "variable" in optimizer.variables.
        return [("variable", 1.0, var_list[0].dtype if var_list else "float32")]

    def update_extra_variables(self, extras, iterations):
        product = extras["variable"]
        step = (iterations + 1).astype(product.dtype)
        return {"variable": product * self.beta_1 * (1.0 - 0.5 * jnp.power(0.96, step))}

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        dtype = variable.dtype
        local_step = (iterations + 1).astype(dtype)
        beta_1, beta_2 = jnp.asarray(self.beta_1, dtype), jnp.asarray(self.beta_2, dtype)
        u_t = beta_1 * (1.0 - 0.5 * jnp.power(0.96, local_step).astype(dtype))
        u_t_1 = beta_1 * (1.0 - 0.5 * jnp.power(0.96, local_step + 1).astype(dtype))
        u_product_t = slots["variable"].astype(dtype)  # already this step's product
        u_product_t_1 = u_product_t * u_t_1
        m = slots["momentum"] + (gradient - slots["momentum"]) * (1 - beta_1)
        v = slots["velocity"] + (jnp.square(gradient) - slots["velocity"]) * (1 - beta_2)
        m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * gradient / (1 - u_product_t)
        v_hat = v / (1 - jnp.power(beta_2, local_step))
        return variable - m_hat * learning_rate / (jnp.sqrt(v_hat) + self.epsilon), {"momentum": m, "velocity": v}
