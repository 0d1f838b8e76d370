"""The train / test / predict steps, with Keras 3's JAX signatures: `step(state, data) ->
(logs or predictions, state)`. Override `train_step` in a Model subclass to customize fit()."""
from __future__ import annotations

import jax.numpy as jnp

from ...lowering import make_predict_step, make_test_step, make_train_step


class Steps:
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (weighted sum over outputs) of `y_pred` against `y`, as in Keras 3.

        For use inside an overridden `train_step`; regularization terms come from
        `stateless_call(..., return_losses=True)`."""
        total, _ = self._compiled_loss(self._flatten_targets(y), self._flatten_outputs_like(y_pred),
                                       self._flatten_sample_weights(sample_weight))
        return total

    def _flatten_outputs_like(self, y_pred) -> list:
        if isinstance(y_pred, dict):
            return [y_pred[n] for n in self.output_names]
        return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    def _losses_and_metrics(self, x_list):
        def compute_loss(y, y_pred, sample_weight):
            return self._compiled_loss(self._flatten_targets(y), y_pred, self._flatten_sample_weights(sample_weight))

        def update_metrics(metric_values, losses, x, y, y_pred, sample_weight):
            batch = jnp.asarray(x_list[0].shape[0], "float32")
            return self._compiled_metrics.update(metric_values, losses, self._flatten_targets(y), y_pred,
                                                 self._flatten_sample_weights(sample_weight), batch)

        return compute_loss, update_metrics

    def train_step(self, state, data):
        """One training step: (logs, new state). Override to customize fit()."""
        x, y, sw = _unpack(data)
        x_list = self._flatten_inputs(x)
        compute_loss, update_metrics = self._losses_and_metrics(x_list)
        forward = self._forward(x_list, training=True)
        step = make_train_step(lambda t, nt, _x, training: forward(t, nt, x_list), compute_loss,
                               self.optimizer.stateless_apply, update_metrics, self.optimizer.stateless_scale_loss)
        return step(state, (x, y, sw))

    def test_step(self, state, data):
        x, y, sw = _unpack(data)
        x_list = self._flatten_inputs(x)
        compute_loss, update_metrics = self._losses_and_metrics(x_list)
        forward = self._forward(x_list, training=False)
        step = make_test_step(lambda t, nt, _x, training: forward(t, nt, x_list), compute_loss, update_metrics)
        return step(state, (x, y, sw))

    def predict_step(self, state, data):
        x = data[0] if isinstance(data, tuple) else data
        x_list = self._flatten_inputs(x)
        forward = self._forward(x_list, training=False)
        step = make_predict_step(lambda t, nt, _x, training: forward(t, nt, x_list))
        return step(state, (x,))

    # -- data ------------------------------------------------------------------------------------------------

def _unpack(data):
    if not isinstance(data, tuple):
        return data, None, None
    return (tuple(data) + (None, None))[:3]
