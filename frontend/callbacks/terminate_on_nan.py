"""TerminateOnNaN: stop training at the first NaN or infinite loss.

kerax goes further than Keras: with TerminateOnNaN, fit runs a K-step program that stops
applying updates at the first non-finite loss inside an execution, so the model keeps the
weights of the last finite step, and the message names that step.
"""
from __future__ import annotations

import numpy as np

from .callback import Callback


class TerminateOnNaN(Callback):
    """Stops training (or raises, with `raise_error=True`) when the loss is NaN or infinite.

    >>> model.fit(x, y, callbacks=[TerminateOnNaN()])  # doctest: +SKIP
    """

    guards_nonfinite_loss = True  # fit runs the guarded program (lowering.nonfinite)

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(np.asarray(loss))
        if np.isfinite(loss):
            return
        batch = self._first_bad_step(batch)
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               "Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True

    def _first_bad_step(self, batch: int) -> int:
        """The step inside the execution ending at `batch` whose loss went bad."""
        bad_step, steps = getattr(self.model, "_nonfinite_step", (None, None))
        if bad_step is None or int(bad_step) < 0:
            return batch
        return batch - steps + 1 + int(bad_step)
