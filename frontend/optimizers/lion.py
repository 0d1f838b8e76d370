"""Lion (evolved sign momentum), as Keras 3's `Lion`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import Optimizer, base_arguments


class Lion(Optimizer):
    """`w -= lr * sign(beta_1 m + (1 - beta_1) g); m = beta_2 m + (1 - beta_2) g`.

    >>> opt = Lion(learning_rate=0.1)
    >>> w = kerax.Variable(np.zeros((2,)), name="w")
    >>> opt.apply([np.array([1.0, -2.0])], [w])
    >>> w.numpy()
    array([-0.1,  0.1], dtype=float32)
    """

    elementwise_update = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**base_arguments(locals()), **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Lion: argument `beta_1` must be in the (0, 1] range (otherwise the optimizer "
                             f"degenerates to SignSGD), received beta_1={beta_1}")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def slot_groups(self):
        return [("momentum",)]

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        m = slots["momentum"]
        direction = jnp.sign(m * self.beta_1 + gradient * (1.0 - self.beta_1))
        return variable - learning_rate * direction, {"momentum": m * self.beta_2 + gradient * (1.0 - self.beta_2)}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
