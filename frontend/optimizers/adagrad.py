"""Adagrad, as Keras 3's `Adagrad`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import Optimizer


class Adagrad(Optimizer):
    """`acc += g**2; w -= lr * g / sqrt(acc + epsilon)`, the accumulator starting at
    `initial_accumulator_value`.

    >>> opt = Adagrad(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=0.0)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.full((1,), 2.0)], [w])
    >>> w.numpy()
    array([-0.1], dtype=float32)
    """

    elementwise_update = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def slot_groups(self):
        return [("accumulator",)]

    def slot_initial_value(self, slot_name):
        return self.initial_accumulator_value

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        accumulator = slots["accumulator"] + jnp.square(gradient)
        return variable - learning_rate * gradient / jnp.sqrt(accumulator + self.epsilon), {"accumulator": accumulator}

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
