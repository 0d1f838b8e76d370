"""Stochastic gradient descent, with optional (Nesterov) momentum, as Keras 3's `SGD`."""
from __future__ import annotations

from .base import Optimizer


class SGD(Optimizer):
    """`w -= lr * g`; with momentum `m = momentum * m - lr * g; w += m` (Nesterov: `w += momentum * m - lr * g`).

    >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> w = kerax.Variable(np.zeros((1,)), name="w")
    >>> opt.apply([np.ones((1,))], [w]); opt.apply([np.ones((1,))], [w])
    >>> w.numpy()
    array([-0.29], dtype=float32)
    """

    elementwise_update = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: argument `momentum` must be a float in [0, 1], received momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def slot_groups(self):
        return [("momentum",)] if self.momentum != 0 else []

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        if self.momentum == 0:
            return variable - gradient * learning_rate, {}
        momentum = self.momentum
        m = slots["momentum"] * momentum - gradient * learning_rate
        if self.nesterov:
            return variable + (m * momentum - gradient * learning_rate), {"momentum": m}
        return variable + m, {"momentum": m}

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
