"""RMSprop (plain, with momentum, centered), as Keras 3's `RMSprop`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import Optimizer


class RMSprop(Optimizer):
    """`v = rho * v + (1 - rho) * g**2; w -= lr * g / sqrt(v + epsilon)`; centered subtracts the
    squared running mean gradient inside the sqrt; momentum accumulates the increments.

    >>> opt = RMSprop(learning_rate=0.1, rho=0.0)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w])
    >>> np.round(w.numpy(), 4)
    array([-0.1], dtype=float32)
    """

    elementwise_update = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def slot_groups(self):
        groups = [("velocity",)]
        if self.momentum > 0:
            groups.append(("momentum",))
        if self.centered:
            groups.append(("average_gradient",))
        return groups

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        rho = self.rho
        velocity = rho * slots["velocity"] + (1 - rho) * jnp.square(gradient)
        new_slots = {"velocity": velocity}
        if self.centered:
            average = new_slots["average_gradient"] = rho * slots["average_gradient"] + (1 - rho) * gradient
            denominator = velocity - jnp.square(average) + self.epsilon
        else:
            denominator = velocity + self.epsilon
        increment = learning_rate * gradient / jnp.sqrt(denominator)
        if self.momentum > 0:
            momentum = new_slots["momentum"] = self.momentum * slots["momentum"] + increment
            return variable - momentum, new_slots
        return variable - increment, new_slots

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}
