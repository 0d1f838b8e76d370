"""Adafactor (factored second moments), as Keras 3's `Adafactor`."""
from __future__ import annotations

import jax.numpy as jnp

from .base import Optimizer, _reference_name, base_arguments


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


class Adafactor(Optimizer):
    """Adam-like updates whose second moment of a matrix is kept as a row mean `r` and a column
    mean `c` (memory O(n + m) instead of O(nm)); step size relative to the weight's RMS.

    Weights of rank < 2 are not factored; Keras still gives them placeholder `r`/`c` (int32 0).

    >>> opt = Adafactor(learning_rate=0.1)
    >>> w = kerax.Variable(np.ones((2, 2)), name="w")
    >>> opt.apply([np.ones((2, 2))], [w])
    >>> np.round(w.numpy(), 3)
    array([[0.9, 0.9],
           [0.9, 0.9]], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**base_arguments(locals()), **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def slot_groups(self):
        return [("r", "c", "velocity")]

    def slot_spec(self, var, slot_name):
        shape, name = tuple(var.shape), _reference_name(var)
        if slot_name == "velocity":
            return f"{name}_velocity", shape, var.dtype, 0.0
        if len(shape) < 2:
            return name, (), "int32", 0
        factored = shape[:-1] if slot_name == "r" else shape[:-2] + shape[-1:]
        return name, factored, var.dtype, 0.0

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        dtype = variable.dtype
        step = (iterations + 1).astype(dtype)
        lr = learning_rate
        if self._lr_variable is not None and self.relative_step:
            lr = jnp.minimum(lr, 1 / jnp.sqrt(step))
        rho_t = jnp.minimum(lr, 1 / jnp.sqrt(step))
        alpha_t = jnp.maximum(jnp.asarray(self.epsilon_2, dtype), _rms(variable)) * rho_t
        grad_square = jnp.square(gradient) + self.epsilon_1
        beta_2_t = 1 - jnp.power(step, self.beta_2_decay)
        new_slots = {}
        if variable.ndim >= 2:
            r = new_slots["r"] = beta_2_t * slots["r"] + (1 - beta_2_t) * jnp.mean(grad_square, axis=-1)
            c = new_slots["c"] = beta_2_t * slots["c"] + (1 - beta_2_t) * jnp.mean(grad_square, axis=-2)
            v = jnp.expand_dims(r / jnp.mean(r, axis=-1, keepdims=True), -1) * jnp.expand_dims(c, -2)
        else:
            v = beta_2_t * slots["velocity"] + (1 - beta_2_t) * grad_square
        new_slots["velocity"] = v
        u_t = gradient / jnp.sqrt(v)
        u_t_hat = u_t / jnp.maximum(1.0, _rms(u_t) / self.clip_threshold)
        return variable - alpha_t * u_t_hat, new_slots

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}
