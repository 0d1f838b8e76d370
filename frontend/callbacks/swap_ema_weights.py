"""SwapEMAWeights: evaluate and predict with the optimizer's moving averages of the weights."""
from __future__ import annotations

import numpy as np

from .callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the weights and their EMA (optimizers with `use_ema=True`) around evaluation and
    prediction, or, with `swap_on_epoch`, around each epoch end (for checkpoint callbacks after it).

    >>> model.compile(optimizer=kerax.optimizers.SGD(use_ema=True), loss="mse")  # doctest: +SKIP
    >>> model.fit(x, y, validation_data=(xv, yv), callbacks=[SwapEMAWeights()])  # doctest: +SKIP
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = getattr(self.model.optimizer, "inner_optimizer", self.model.optimizer)  # a LossScaleOptimizer's
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received: "
                             f"use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer

    def _swap_variables(self):
        optimizer = self._optimizer()
        for var, average in zip(optimizer._trainable_variables, optimizer._model_variables_moving_average):
            current = np.asarray(var.value)
            var.assign(average.value)
            average.assign(current)

    def _finalize_ema_values(self):
        optimizer = self._optimizer()
        for var, average in zip(optimizer._trainable_variables, optimizer._model_variables_moving_average):
            average.assign(var.value)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs=None):
        if self._ema_weights_in_model:  # (Keras 3.15 tests `not` here and leaves the averages in the model)
            self._swap_variables()
            self._ema_weights_in_model = False
