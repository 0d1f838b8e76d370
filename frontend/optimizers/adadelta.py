"""Adadelta, as Keras 3's `Adadelta`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import Optimizer, base_arguments


class Adadelta(Optimizer):
    """Step sizes from running averages of squared gradients and squared updates:
    `delta = -sqrt(acc_delta + eps) / sqrt(acc_grad + eps) * g; w += lr * delta`.

    >>> opt = Adadelta(learning_rate=1.0, rho=0.0, epsilon=1.0)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w])
    >>> np.round(w.numpy(), 4)
    array([-0.7071], dtype=float32)
    """

    elementwise_update = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**base_arguments(locals()), **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def slot_groups(self):
        return [("accumulated_grad", "accumulated_delta_var")]

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        rho = self.rho
        accumulated_grad = rho * slots["accumulated_grad"] + (1 - rho) * jnp.square(gradient)
        delta = -jnp.sqrt(slots["accumulated_delta_var"] + self.epsilon) * gradient / jnp.sqrt(
            accumulated_grad + self.epsilon)
        accumulated_delta = rho * slots["accumulated_delta_var"] + (1 - rho) * jnp.square(delta)
        return variable + learning_rate * delta, {"accumulated_grad": accumulated_grad,
                                                  "accumulated_delta_var": accumulated_delta}

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
