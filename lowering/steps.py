"""The pure train / test / predict steps, assembled from pure pieces the frontend supplies.

State is Keras's JAX state tuple:
(trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables),
each a list of arrays, so a user's own `train_step(state, data)` drops in unchanged.

The pieces:
  forward(trainable, non_trainable, x, training) -> (y_pred, non_trainable, extra_losses)
  compute_loss(y, y_pred, sample_weight) -> (total, per-output losses)
  apply_gradients(optimizer_vars, grads, trainable) -> (trainable, optimizer_vars)
  update_metrics(metric_vars, (loss, per-output losses), x, y, y_pred, sample_weight) -> (metric_vars, logs)
  scale_loss(optimizer_vars, loss) -> the loss to differentiate (loss scaling for float16), optional
"""
from __future__ import annotations

import jax


def _loss(compute_loss, y, y_pred, sample_weight, extra_losses):
    total, parts = compute_loss(y, y_pred, sample_weight)
    for extra in extra_losses:  # regularization and add_loss() terms
        total = total + extra
    return total, parts


def make_train_step(forward, compute_loss, apply_gradients, update_metrics, scale_loss=None):
    def train_step(state, data):
        trainable, non_trainable, optimizer_vars, metric_vars = state
        x, y, sample_weight = data

        def loss_of(trainable):
            y_pred, new_non_trainable, extra = forward(trainable, non_trainable, x, True)
            total, parts = _loss(compute_loss, y, y_pred, sample_weight, extra)
            # The gradient is of the scaled loss; the logs show the loss itself, as Keras's.
            scaled = total if scale_loss is None else scale_loss(optimizer_vars, total)
            return scaled, (total, parts, y_pred, new_non_trainable)

        (_, (loss, parts, y_pred, non_trainable)), grads = jax.value_and_grad(loss_of, has_aux=True)(trainable)
        trainable, optimizer_vars = apply_gradients(optimizer_vars, grads, trainable)
        metric_vars, logs = update_metrics(metric_vars, (loss, parts), x, y, y_pred, sample_weight)
        return logs, (trainable, non_trainable, optimizer_vars, metric_vars)

    return train_step


def make_test_step(forward, compute_loss, update_metrics):
    def test_step(state, data):
        trainable, non_trainable, optimizer_vars, metric_vars = state
        x, y, sample_weight = data
        y_pred, non_trainable, extra = forward(trainable, non_trainable, x, False)
        loss, parts = _loss(compute_loss, y, y_pred, sample_weight, extra)
        metric_vars, logs = update_metrics(metric_vars, (loss, parts), x, y, y_pred, sample_weight)
        return logs, (trainable, non_trainable, optimizer_vars, metric_vars)

    return test_step


def make_predict_step(forward):
    def predict_step(state, data):
        trainable, non_trainable, optimizer_vars, metric_vars = state
        y_pred, non_trainable, _ = forward(trainable, non_trainable, data[0], False)
        return y_pred, (trainable, non_trainable, optimizer_vars, metric_vars)

    return predict_step
