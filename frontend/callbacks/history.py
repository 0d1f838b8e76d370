"""History (what fit returns) and ProgbarLogger (the progress bar, itself a callback)."""
from __future__ import annotations

from ...runtime.progbar import Progbar
from .callback import Callback


class History(Callback):
    """Records the epoch logs: `history.history["loss"]` is the loss of each epoch."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class ProgbarLogger(Callback):
    def __init__(self, count_mode="steps"):
        super().__init__()
        self.bar = None
        self._seen = 0
        self.target = None
        self.verbose = 1
        self.epochs = 1

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _start(self):
        self._seen = 0
        self.bar = Progbar(self.target, verbose=self.verbose)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self._start()

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        self.bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.bar.update(self.bar_target(), logs, finalize=True)

    def bar_target(self):
        return self.target if self.target is not None else self._seen

    def on_test_begin(self, logs=None):
        if self.bar is None or self.params.get("mode") == "test":
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if self.params.get("mode") == "test":
            self._seen = batch + 1
            self.bar.update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if self.params.get("mode") == "test":
            self.bar.update(self.bar_target(), logs, finalize=True)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        self.bar.update(batch + 1)

    def on_predict_end(self, logs=None):
        self.bar.update(self.bar_target(), finalize=True)
