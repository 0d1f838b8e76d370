"""The Callback base class and the list that calls them.

With steps_per_execution=K the batch hooks run once per execution (every K steps), with the
index of the last step of that execution, as Keras does. Batch logs hold device scalars:
`float()` on them waits for the device, so read them only when needed.
"""
from __future__ import annotations

from ...runtime.loops import flatten_logs


class Callback:
    """Base class: override the hooks you need.

    As in Keras 3, `on_train_batch_begin`/`_end` call the Keras 2 names `on_batch_begin`/`_end`
    unless overridden.

    >>> class Print(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
    """

    def __init__(self):
        self._model = None
        self.params = {}

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model):
        self._model = model

    def set_model(self, model):
        self._model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): self.on_batch_begin(batch, logs=logs)
    def on_train_batch_end(self, batch, logs=None): self.on_batch_end(batch, logs=logs)
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList:
    """Calls every callback's hook in order (the user's, then History, then ProgbarLogger)."""

    def __init__(self, callbacks=None, model=None, **params):
        self.callbacks = list(callbacks or [])
        self.model = model
        self.params = params
        for callback in self.callbacks:
            if not all(callable(getattr(callback, hook, None)) for hook in _HOOKS):
                raise TypeError(f"callbacks: expected kerax.callbacks.Callback instances, received {callback!r}")
            if model is not None:
                callback.set_model(model)
            callback.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, hook):
        if hook not in _HOOKS:
            raise AttributeError(hook)

        indexed = "batch" in hook or "epoch" in hook  # hooks that take (index, logs)

        def call(*args, logs=None):
            if len(args) == 1 + indexed:
                *args, logs = args
            logs = flatten_logs(logs)  # Keras hands every hook a flat dict, `{}` for none
            for callback in self.callbacks:
                getattr(callback, hook)(*args, logs)

        return call
