"""Adam (and AMSGrad), as Keras 3's `Adam`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import Optimizer


def adam_step(gradient, variable, learning_rate, slots, iterations, beta_1, beta_2, epsilon, amsgrad=False):
    """Pure: one Adam update of `variable` and its "momentum", "velocity" (and "velocity_hat")
    slots, as Keras computes it (Muon uses it for the weights it does not orthogonalize)."""
    dtype = variable.dtype
    step = (iterations + 1).astype(dtype)
    beta_1_power = jnp.power(jnp.asarray(beta_1, dtype), step)
    beta_2_power = jnp.power(jnp.asarray(beta_2, dtype), step)
    alpha = learning_rate * jnp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
    m = slots["momentum"] + (gradient - slots["momentum"]) * (1 - beta_1)
    v = slots["velocity"] + (jnp.square(gradient) - slots["velocity"]) * (1 - beta_2)
    new_slots = {"momentum": m, "velocity": v}
    if amsgrad:
        v = new_slots["velocity_hat"] = jnp.maximum(slots["velocity_hat"], v)
    return variable - (m * alpha) / (jnp.sqrt(v) + epsilon), new_slots


class Adam(Optimizer):
    """Adam with Keras's epsilon placement: `w -= m * alpha / (sqrt(v) + epsilon)`, where
    `alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)` and `t = iterations + 1`.

    >>> opt = Adam(learning_rate=0.1)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w])
    >>> np.round(w.numpy(), 4)
    array([-0.1], dtype=float32)
    """

    elementwise_update = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def slot_groups(self):
        return [("momentum", "velocity")] + ([("velocity_hat",)] if self.amsgrad else [])

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        return adam_step(gradient, variable, learning_rate, slots, iterations, self.beta_1, self.beta_2, self.epsilon,
                         self.amsgrad)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}
