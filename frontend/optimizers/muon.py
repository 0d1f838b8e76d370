"""Muon (orthogonalized momentum for matrices, AdamW for the rest), as Keras 3's `Muon`."""
from __future__ import annotations

import re

import jax.numpy as jnp

from .adam import adam_step
from .base import Optimizer, base_arguments


class Muon(Optimizer):
    """2-D weights get momentum orthogonalized by a quintic Newton-Schulz iteration and scaled by
    `sqrt(max(n, m)) * rms_rate`; other weights (and embeddings, and `exclude_layers` matches)
    get AdamW with `learning_rate * adam_lr_ratio` and `adam_weight_decay`.

    >>> opt = Muon(learning_rate=0.1, weight_decay=None)
    >>> w = kerax.Variable(np.zeros((2, 2)), name="w")
    >>> opt.apply([np.eye(2)], [w])
    >>> bool(np.all(np.diag(w.numpy()) < 0))
    True
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(**base_arguments(locals()), **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.adam_weight_decay = adam_beta_1, adam_beta_2, adam_weight_decay
        self.epsilon, self.adam_lr_ratio, self.rms_rate = epsilon, adam_lr_ratio, rms_rate
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.momentum, self.ns_steps, self.nesterov = momentum, ns_steps, nesterov
        self.exclude_embeddings, self.exclude_layers = exclude_embeddings, exclude_layers or []

    def _should_use_adamw(self, var) -> bool:
        path = getattr(var, "path", None) or var.name
        if len(var.shape) != 2 or (self.exclude_embeddings and "embedding" in path.lower()):
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def slot_groups(self):
        return [("momentum", "velocity")]

    def slot_spec(self, var, slot_name):
        if slot_name == "velocity" and not self._should_use_adamw(var):
            return None
        return super().slot_spec(var, slot_name)

    def weight_decay_for(self, var):
        if not self._use_weight_decay(var):
            return None
        return self.adam_weight_decay if self._should_use_adamw(var) else self.weight_decay

    def update_step(self, gradient, variable, learning_rate, slots, iterations):
        if "velocity" in slots:
            return adam_step(gradient, variable, learning_rate * self.adam_lr_ratio, slots, iterations,
                             self.adam_beta_1, self.adam_beta_2, self.epsilon)
        m = slots["momentum"] + gradient + slots["momentum"] * (self.momentum - 1)
        g = gradient + self.momentum * m if self.nesterov else m
        update = learning_rate * self._newton_schulz(g)
        if self.rms_rate is not None:
            update = update * jnp.sqrt(jnp.asarray(max(update.shape[0], update.shape[1]), update.dtype)) * self.rms_rate
        return variable - update, {"momentum": m}

    def _newton_schulz(self, x):
        wide = x.shape[-2] > x.shape[-1]
        if wide:
            x = jnp.swapaxes(x, -1, -2)
        x = x / (jnp.linalg.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
        for _ in range(self.ns_steps):
            gram = x @ jnp.swapaxes(x, -1, -2)
            x = self.muon_a * x + (self.muon_b * gram + self.muon_c * gram @ gram) @ x
        return jnp.swapaxes(x, -1, -2) if wide else x

    def get_config(self):
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon, "exclude_layers": self.exclude_layers, "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum, "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings, "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate}
