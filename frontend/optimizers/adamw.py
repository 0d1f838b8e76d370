"""AdamW: Adam with decoupled weight decay, as Keras 3's `AdamW`."""
from __future__ import annotations

from .adam import Adam


class AdamW(Adam):
    """Adam whose weights first decay by `w -= w * weight_decay * lr` each step (Keras's order:
    decay, then the Adam update on the decayed weight).

    >>> opt = AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> w = kerax.Variable(np.ones((1,)), name="w")
    >>> opt.apply([np.zeros((1,))], [w])
    >>> w.numpy()
    array([0.95], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if self.weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float, received weight_decay=None "
                             "(use Adam for no weight decay)")
