"""The Callback base class and the list that calls them.

With steps_per_execution=K the batch hooks run once per execution (every K steps, a short
batch included), with the index of the first step of that execution at the begin hook and of
its last at the end hook, as Keras does; `on_predict_batch_end` gets `{"outputs": ...}` with the
outputs of all the execution's batches. (Keras names the end of a last execution shorter than K
`begin + K - 1`, a step the data does not have; kerax names its last real step.) A hook of the
user's gets the logs as Keras gives them (Python floats, NumPy arrays; reading them waits for the
device). kerax's own callbacks take the device values and read them only when they must, so a
fit whose batch hooks are all kerax's never waits for the device between executions.
"""
from __future__ import annotations

from ...runtime.loops import flatten_logs, logs_to_floats


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
_KERAS2_NAMES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
_KERAX = __name__.split(".")[0] + "."


def _user_hook(callback, hook: str) -> bool:
    """Whether `hook` of `callback` runs code that is not kerax's own (the base class's hooks
    do nothing, or pass on to the Keras 2 names)."""
    for name in (hook, _KERAS2_NAMES.get(hook)):
        method = getattr(callback, name, None) if name else None
        function = getattr(method, "__func__", method)
        # A function defined by exec'd code (`python -c`, some notebooks) has `__module__` None.
        if function is not None and not (getattr(function, "__module__", None) or "").startswith(_KERAX):
            return True
    return False


class CallbackList:
    """Calls every callback's hook in order (the user's, then History, then ProgbarLogger)."""

    def __init__(self, callbacks=None, model=None, **params):
        self.callbacks = list(callbacks or [])
        self.model = model
        self.params = params
        self._users = {}  # hook -> whether a callback runs user code there (see _user_hook)
        for callback in self.callbacks:
            if not all(callable(getattr(callback, hook, None)) for hook in _HOOKS):
                raise TypeError(f"callbacks: expected kerax.callbacks.Callback instances, received {callback!r}")
            if model is not None:
                callback.set_model(model)
            callback.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        self._users.clear()

    def user_listens(self, hook: str) -> bool:
        """Whether a callback runs code of its own (not kerax's) at `hook`."""
        if hook not in self._users:
            self._users[hook] = any(_user_hook(callback, hook) for callback in self.callbacks)
        return self._users[hook]

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
            if logs and self.user_listens(hook):
                logs = logs_to_floats(logs)
            for callback in self.callbacks:
                if "batch" in hook:  # as Keras calls them: batch hooks take `logs=` by keyword
                    getattr(callback, hook)(*args, logs=logs)
                else:
                    getattr(callback, hook)(*args, logs)

        return call
