"""FTRL-Proximal, as Keras 3's `Ftrl`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import Optimizer, base_arguments


class Ftrl(Optimizer):
    """Follow The Regularized Leader with L1, L2 and L2-shrinkage regularization (McMahan et al.).

    >>> opt = Ftrl(learning_rate=0.1)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w])
    >>> np.round(w.numpy(), 4)
    array([-0.0905], dtype=float32)
    """

    elementwise_update = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**base_arguments(locals()), **kwargs)
        for argument, value in (("initial_accumulator_value", initial_accumulator_value),
                                ("l1_regularization_strength", l1_regularization_strength),
                                ("l2_regularization_strength", l2_regularization_strength),
                                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"Ftrl: argument `{argument}` needs to be positive or zero, received "
                                 f"{argument}={value}")
        if learning_rate_power > 0.0:
            raise ValueError(f"Ftrl: argument `learning_rate_power` needs to be negative or zero, received "
                             f"learning_rate_power={learning_rate_power}")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def slot_groups(self):
        return [("accumulator", "linear")]

    def slot_initial_value(self, slot_name):
        return self.initial_accumulator_value if slot_name == "accumulator" else 0.0

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        lr, power = learning_rate, self.learning_rate_power
        accum = slots["accumulator"]
        l2_reg = self.l2_regularization_strength + self.beta / (2.0 * lr)
        grad_to_use = gradient + 2 * self.l2_shrinkage_regularization_strength * variable
        new_accum = accum + jnp.square(gradient)
        linear = slots["linear"] + grad_to_use - (jnp.power(new_accum, -power) - jnp.power(accum, -power)) / lr * variable
        quadratic = jnp.power(new_accum, -power) / lr + 2 * l2_reg
        l1 = self.l1_regularization_strength
        new_variable = (jnp.clip(linear, -l1, l1) - linear) / quadratic
        return new_variable, {"accumulator": new_accum, "linear": linear}

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength, "beta": self.beta}
