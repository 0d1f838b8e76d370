"""Connectionist temporal classification: the loss (forward algorithm in log space, one
lax.scan over time) and greedy decoding, as keras.ops.nn computes them on JAX."""
import jax
import jax.numpy as jnp

from ..registry import COMPOSITE, register

_LOG_EPSILON = -1e5  # log of "impossible", finite so that sums stay finite


@register("ctc_loss", COMPOSITE, "per-sequence CTC loss of logits (batch, time, classes) for padded integer targets")
def _ctc_loss(target, output, target_length, output_length, *, mask_index):
    batch, max_time, num_classes = output.shape
    max_label = target.shape[1]
    target = target.astype("int32")
    output = output.astype(jnp.result_type(output.dtype, "float32"))
    target_pad = (jnp.arange(max_label)[None, :] >= target_length[:, None]).astype(output.dtype)
    output_pad = (jnp.arange(max_time)[None, :] >= output_length[:, None]).astype(output.dtype)
    logprobs = jax.nn.log_softmax(output)
    label_lengths = max_label - jnp.sum(target_pad, axis=1).astype("int32")
    repeat = jnp.pad((target[:, :-1] == target[:, 1:]).astype(output.dtype), ((0, 0), (0, 1)))
    blank = jnp.transpose(logprobs[:, :, mask_index:mask_index + 1], (1, 0, 2))            # [T, B, 1]
    emit = jnp.transpose(jnp.einsum("btk,bnk->btn", logprobs,
                                    jax.nn.one_hot(target, num_classes, dtype=logprobs.dtype)), (1, 0, 2))  # [T, B, N]
    phi0 = jnp.full((batch, max_label + 1), _LOG_EPSILON, output.dtype).at[:, 0].set(0.0)
    emit0 = jnp.full((batch, max_label), _LOG_EPSILON, output.dtype)

    def add_to_phi(phi, score):
        return jnp.concatenate([phi[:, :1], jnp.logaddexp(phi[:, 1:], score)], axis=-1)

    def step(carry, xs):
        prev_phi, prev_emit = carry
        logprob_emit, logprob_blank, pad = xs
        phi = add_to_phi(prev_phi, prev_emit + _LOG_EPSILON * repeat)
        next_emit = jnp.logaddexp(phi[:, :-1] + logprob_emit, prev_emit + logprob_emit)
        next_phi = add_to_phi(phi + logprob_blank, prev_emit + logprob_blank + _LOG_EPSILON * (1.0 - repeat))
        pad = pad.reshape((batch, 1))
        next_emit = pad * prev_emit + (1.0 - pad) * next_emit
        next_phi = pad * prev_phi + (1.0 - pad) * next_phi
        return (next_phi, next_emit), None

    (phi, emit_last), _ = jax.lax.scan(step, (phi0, emit0), (emit, blank, output_pad.T))
    phi = add_to_phi(phi, emit_last)
    return -jnp.einsum("bn,bn->b", phi, jax.nn.one_hot(label_lengths, max_label + 1, dtype=phi.dtype))


@register("ctc_greedy_decode", COMPOSITE, "best class per step, repeats merged and blanks dropped, padded with -1")
def _ctc_greedy_decode(inputs, sequence_lengths, *, merge_repeated, mask_index):
    batch, max_length, _ = inputs.shape
    inputs = inputs.astype(jnp.result_type(inputs.dtype, "float32"))
    indices = jnp.argmax(inputs, axis=-1)
    scores = jnp.max(inputs, axis=-1)
    beyond = jnp.arange(max_length)[None, :] >= sequence_lengths[:, None]
    indices = jnp.where(beyond, mask_index, indices)
    scores = jnp.where(beyond, 0.0, scores)
    if merge_repeated:
        repeated = jnp.pad(indices[:, 1:] == indices[:, :-1], ((0, 0), (1, 0)))
        indices = jnp.where(repeated, mask_index, indices)
    blank = indices == mask_index
    indices = jnp.where(blank, -1, indices)
    order = jnp.argsort(jnp.where(blank, max_length, jnp.tile(jnp.arange(max_length)[None], (batch, 1))), axis=-1)
    indices = jnp.take_along_axis(indices, order, axis=-1)
    return indices[None].astype("int32"), -jnp.sum(scores, axis=1)[:, None]
