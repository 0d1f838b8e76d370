"""LambdaCallback: a callback built from plain functions."""
from __future__ import annotations

from .callback import Callback


class LambdaCallback(Callback):
    """Hooks given as functions; other `on_*` hooks may be passed as keyword arguments.

    >>> LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch))  # doctest: +ELLIPSIS
    <...LambdaCallback object at ...>
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
