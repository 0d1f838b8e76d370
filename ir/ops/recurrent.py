"""Recurrent composites: a whole SimpleRNN, GRU or LSTM layer as one op that lowers to one
`lax.scan`, and the two views TimeDistributed needs (time folded into the batch and back).

SimpleRNN and GRU project the inputs (`x @ kernel + bias`) in one matmul over the whole
sequence, outside the loop; only `h @ recurrent_kernel` and the gates run per step. LSTM projects
inside the loop instead, `[x_t, h] @ [kernel; recurrent_kernel]` as one matmul a step (see
`_lstm_projection` for the measurement), and without a mask or dropout runs a loop with its own
gradient (lstm_loop.py). The numerics follow Keras 3's JAX
backend (`keras/src/backend/jax/rnn.py`): a masked step keeps the previous states and outputs
the previous `h` (zeros with `zero_output_for_mask`); `go_backwards` returns the outputs in the
order they were computed.

Every recurrent op takes its inputs in this order, the optional ones present when their attr
says so:

    x (B, T, D), kernel (D, G*U), recurrent_kernel (U, G*U), [bias]            use_bias
    [initial states, each (B, U)]                                            initial_state
    [mask (B, T)]                                                            masked
    [input dropout masks (B, n, D)]       n = 1 or G (one mask per gate)     dropout
    [recurrent dropout masks (B, n, U)]                                       recurrent_dropout

and returns (output, *final_states): output is (B, T, U) with `return_sequences`, else (B, U).
"""
import inspect

import jax
import jax.numpy as jnp

from .. import registry
from ..registry import COMPOSITE, SHAPE, register
from ..types import TensorType
from .lstm_loop import lstm_loop

# Activations by their Keras name: the registered op that computes each, with its attrs.
ACTIVATIONS = {
    "linear": None, "tanh": ("tanh", {}), "sigmoid": ("sigmoid", {}), "relu": ("relu", {}),
    "relu6": ("relu6", {}), "softplus": ("softplus", {}), "softsign": ("softsign", {}), "silu": ("silu", {}),
    "selu": ("selu", {}), "mish": ("mish", {}), "hard_sigmoid": ("hard_sigmoid", {}),
    "hard_silu": ("hard_silu", {}), "exponential": ("exp", {}), "gelu": ("gelu", {"approximate": False}),
    "elu": ("elu", {"alpha": 1.0}), "leaky_relu": ("leaky_relu", {"negative_slope": 0.2}),
    "softmax": ("softmax", {"axis": -1}), "log_softmax": ("log_softmax", {"axis": -1}),
}


def activation_fn(name: str):
    """The JAX function of a named activation (the same rule as the elementwise op)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Recurrent op: unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    entry = ACTIVATIONS[name]
    if entry is None:
        return lambda x: x
    op, attrs = entry
    rule = registry.get(op).lower
    return lambda x: rule(x, **attrs)


def _unpack(arrays, use_bias, initial_state, n_states, masked, dropout, recurrent_dropout):
    it = iter(arrays)
    x, kernel, recurrent_kernel = next(it), next(it), next(it)
    bias = next(it) if use_bias else None
    if initial_state:
        states = tuple(next(it) for _ in range(n_states))
    else:
        units = recurrent_kernel.shape[0]
        states = tuple(jnp.zeros((x.shape[0], units), x.dtype) for _ in range(n_states))
    mask = next(it) if masked else None
    dp = next(it) if dropout else None
    rdp = next(it) if recurrent_dropout else None
    return x, kernel, recurrent_kernel, bias, states, mask, dp, rdp


def _project(x, kernel, dp, gates):
    """x @ kernel over the whole sequence, time-major (T, B, G*U) as the scan reads it; with one
    dropout mask per gate, each gate sees its own dropped copy of x (Keras's implementation 1).

    The sequence is turned time-major before the matmul, not after: x has D features where the
    projection has G*U, so the transpose moves (and its gradient moves back) G*U/D times less
    data (with the LSTM benchmark's D=32, 4U=256, transposing after cost 3-4% of a training step)."""
    if dp is not None and dp.shape[1] == 1:
        x, dp = x * dp[:, 0:1, :], None
    if dp is None:
        return jnp.matmul(jnp.swapaxes(x, 0, 1), kernel)
    b, t, d = x.shape
    per_gate = x[:, :, None, :] * dp[:, None, :, :]                      # (B, T, G, D)
    out = jnp.einsum("btgd,dgu->tbgu", per_gate, kernel.reshape(d, gates, -1))
    return out.reshape(t, b, -1)


def _recurrent(h, recurrent_kernel, rdp, gates):
    """h @ recurrent_kernel, each gate with its own recurrent dropout mask when there is one."""
    if rdp is None:
        return jnp.matmul(h, recurrent_kernel)
    if rdp.shape[1] == 1:
        return jnp.matmul(h * rdp[:, 0], recurrent_kernel)
    units = h.shape[-1]
    per_gate = h[:, None, :] * rdp[:, :gates]                             # (B, G, U)
    out = jnp.einsum("bgu,ugv->bgv", per_gate, recurrent_kernel.reshape(units, gates, -1))
    return out.reshape(h.shape[0], -1)


def _scan(step, xs, states, mask, go_backwards, return_sequences, zero_output_for_mask):
    """Run `step(states, x_t) -> new_states` over time-major `xs`; the output of a step is its new
    states[0].

    Returns (output, final_states) with Keras's masking and go_backwards rules."""
    if mask is not None:
        mask = jnp.swapaxes(mask.astype(bool), 0, 1)[..., None]         # (T, B, 1)

    def body(carry, inputs):
        x_t, m_t = inputs
        new = step(carry, x_t)
        out = new[0]
        if m_t is not None:
            new = tuple(jnp.where(m_t, n, c) for n, c in zip(new, carry))
            out = jnp.where(m_t, out, jnp.zeros_like(out)) if zero_output_for_mask else new[0]
        return new, (out if return_sequences else None)

    final, outputs = jax.lax.scan(body, tuple(states), (xs, mask), reverse=go_backwards)
    if return_sequences:
        outputs = jnp.swapaxes(outputs, 0, 1)
        return (jnp.flip(outputs, axis=1) if go_backwards else outputs), final
    last = final[0]
    if mask is not None and zero_output_for_mask:
        last = jnp.where(mask[0 if go_backwards else -1], last, jnp.zeros_like(last))
    return last, final


def _cached(fn):
    """`fn` jitted with its attrs static: eager runs (a layer called on arrays, tests) reuse one
    compiled loop per shape and attrs instead of compiling the scan again on every call; inside a
    jitted program the call is inlined."""
    static = tuple(p.name for p in inspect.signature(fn).parameters.values() if p.kind == p.KEYWORD_ONLY)
    jitted = jax.jit(fn, static_argnames=static)
    return lambda *arrays, **attrs: jitted(*arrays, **attrs)


def _flops(gates, elementwise_per_unit):
    def flops(in_types, out_types, attrs, n):
        x, kernel = in_types[0], in_types[1]
        batch, steps = (n if d is None else d for d in x.shape[:2])
        d, gu = kernel.shape
        units = gu // gates
        per_step = 2 * batch * gu * (d + units) + elementwise_per_unit * batch * units
        return steps * per_step

    return flops


@register("simple_rnn", COMPOSITE, "SimpleRNN over a sequence: h = activation(x @ kernel + b + h @ recurrent_kernel)",
          flops=_flops(1, 2))
@_cached
def _simple_rnn(*arrays, activation, use_bias, initial_state, masked, dropout, recurrent_dropout,
                go_backwards, return_sequences, zero_output_for_mask):
    x, kernel, recurrent_kernel, bias, states, mask, dp, rdp = _unpack(
        arrays, use_bias, initial_state, 1, masked, dropout, recurrent_dropout)
    act = activation_fn(activation)
    x_proj = _project(x, kernel, dp, 1)
    if bias is not None:
        x_proj = x_proj + bias

    def step(carry, x_t):
        return (act(x_t + _recurrent(carry[0], recurrent_kernel, rdp, 1)),)

    output, final = _scan(step, x_proj, states, mask, go_backwards, return_sequences, zero_output_for_mask)
    return (output, *final)


@register("gru", COMPOSITE, "GRU over a sequence (gates z, r, h; reset applied after or before the matmul)",
          flops=_flops(3, 8))
@_cached
def _gru(*arrays, activation, recurrent_activation, use_bias, reset_after, initial_state, masked,
         dropout, recurrent_dropout, go_backwards, return_sequences, zero_output_for_mask):
    x, kernel, recurrent_kernel, bias, states, mask, dp, rdp = _unpack(
        arrays, use_bias, initial_state, 1, masked, dropout, recurrent_dropout)
    act, recurrent_act = activation_fn(activation), activation_fn(recurrent_activation)
    units = recurrent_kernel.shape[0]
    input_bias, recurrent_bias = (bias[0], bias[1]) if bias is not None and reset_after else (bias, None)
    x_proj = _project(x, kernel, dp, 3)
    if input_bias is not None:
        x_proj = x_proj + input_bias

    def step(carry, x_t):
        h = carry[0]
        x_z, x_r, x_h = jnp.split(x_t, 3, axis=-1)
        if reset_after:
            inner = _recurrent(h, recurrent_kernel, rdp, 3)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            r_z, r_r, r_h = jnp.split(inner, 3, axis=-1)
            z = recurrent_act(x_z + r_z)
            r = recurrent_act(x_r + r_r)
            candidate = act(x_h + r * r_h)
        else:
            inner = _recurrent(h, recurrent_kernel[:, :2 * units], None if rdp is None else rdp[:, :2], 2)
            r_z, r_r = jnp.split(inner, 2, axis=-1)
            z = recurrent_act(x_z + r_z)
            r = recurrent_act(x_r + r_r)
            h_h = h if rdp is None else h * rdp[:, 2]
            candidate = act(x_h + jnp.matmul(r * h_h, recurrent_kernel[:, 2 * units:]))
        return (z * h + (1 - z) * candidate,)

    output, final = _scan(step, x_proj, states, mask, go_backwards, return_sequences, zero_output_for_mask)
    return (output, *final)


def _lstm_projection(x, kernel, recurrent_kernel, bias, dp, rdp):
    """(xs, gates(h, x_t) -> z): what the scan reads per step, and the gates' pre-activations.

    On a 2-core CPU (JAX 0.10.2), the LSTM benchmark's step (Embedding 1000x32 -> LSTM 64, 20
    steps, batch 32, Adam) took 5.15-5.36 ms projecting `[x_t, h] @ [kernel; recurrent_kernel]`
    in the loop, 5.26-5.45 ms with two matmuls in the loop (the hand-written reference) and
    5.79-6.27 ms with the projection hoisted out of the loop (contenders taking turns, four runs):
    hoisted, the (T, B, 4U) projection and its gradient are written and read once more each, and
    XLA:CPU runs the kernel's gradient, one (640, 32)^T x (640, 256) product, on its slow
    transposed-operand path. With one input dropout mask per gate, each gate sees its own copy of
    x: the projection stays hoisted then."""
    if dp is not None and dp.shape[1] > 1:
        def gates(h, x_t):
            return x_t + _recurrent(h, recurrent_kernel, rdp, 4)
        x_proj = _project(x, kernel, dp, 4)
        return (x_proj if bias is None else x_proj + bias), gates
    if dp is not None:
        x = x * dp
    if rdp is None or rdp.shape[1] == 1:
        weights = jnp.concatenate([kernel, recurrent_kernel], axis=0)

        def gates(h, x_t):
            h = h if rdp is None else h * rdp[:, 0]
            z = jnp.matmul(jnp.concatenate([x_t, h], axis=-1), weights)
            return z if bias is None else z + bias
    else:
        def gates(h, x_t):
            z = jnp.matmul(x_t, kernel) + _recurrent(h, recurrent_kernel, rdp, 4)
            return z if bias is None else z + bias
    return jnp.swapaxes(x, 0, 1), gates


@register("lstm", COMPOSITE, "LSTM over a sequence (gates i, f, c, o; states h, c)", flops=_flops(4, 10))
@_cached
def _lstm(*arrays, activation, recurrent_activation, use_bias, initial_state, masked, dropout,
          recurrent_dropout, go_backwards, return_sequences, zero_output_for_mask):
    x, kernel, recurrent_kernel, bias, states, mask, dp, rdp = _unpack(
        arrays, use_bias, initial_state, 2, masked, dropout, recurrent_dropout)
    act, recurrent_act = activation_fn(activation), activation_fn(recurrent_activation)
    if mask is None and dp is None and rdp is None:  # the loop with its own gradient (lstm_loop.py)
        bias = jnp.zeros(kernel.shape[-1], kernel.dtype) if bias is None else bias
        hs, h, c = lstm_loop(jnp.swapaxes(x, 0, 1), kernel, recurrent_kernel, bias, *states, act, recurrent_act,
                             go_backwards, return_sequences)
        if not return_sequences:
            return h, h, c
        hs = jnp.swapaxes(hs, 0, 1)
        return (jnp.flip(hs, axis=1) if go_backwards else hs), h, c
    xs, gates = _lstm_projection(x, kernel, recurrent_kernel, bias, dp, rdp)

    def step(carry, x_t):
        h, c = carry
        z = gates(h, x_t)
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
        c = recurrent_act(z_f) * c + recurrent_act(z_i) * act(z_c)
        return recurrent_act(z_o) * act(c), c

    output, final = _scan(step, xs, states, mask, go_backwards, return_sequences, zero_output_for_mask)
    return (output, *final)


def _fold_time_type(x):
    b, t = x.shape[:2]
    return [TensorType((b * t if b is not None and t is not None else None, *x.shape[2:]), x.dtype)]


@register("fold_time", SHAPE, "x (B, T, ...) viewed as (B*T, ...)", infer=_fold_time_type)
def _fold_time(x):
    return jnp.reshape(x, (x.shape[0] * x.shape[1], *x.shape[2:]))


def _unfold_time_type(y, like):
    return [TensorType((like.shape[0], like.shape[1], *y.shape[1:]), y.dtype)]


@register("unfold_time", SHAPE, "y (B*T, ...) viewed as (B, T, ...), B and T read from like", infer=_unfold_time_type)
def _unfold_time(y, like):
    return jnp.reshape(y, (like.shape[0], like.shape[1], *y.shape[1:]))
