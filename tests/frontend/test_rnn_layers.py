"""Recurrent layers against Keras 3: SimpleRNN, GRU, LSTM, their cells, RNN(cell), Bidirectional,
TimeDistributed and Masking (outputs and gradients at 1e-5), and the one-scan-per-layer IR."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from parity import assert_layer_parity, keras

import kerax
from kerax.ir import registry

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 6, 5)).astype("float32")
# Per-sample step masks: right padding, left padding, holes (Keras skips a masked step).
MASK = np.array([[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1], [1, 0, 1, 0, 1, 1]], bool)
INFERENCE = (False,)  # without dropout, training mode computes the same thing


def _both(name, **kwargs):
    return (lambda: getattr(kerax.layers, name)(**kwargs)), (lambda: getattr(keras().layers, name)(**kwargs))


def _assert_same_outputs(ours, theirs, x, **kwargs):
    """Outputs only (no gradients), for variants whose gradient path another test already covers."""
    expected = theirs(x, **kwargs)
    ours(x, **kwargs)
    ours.set_weights(theirs.get_weights())
    got = ours(x, **kwargs)
    assert len(jax.tree.leaves(got)) == len(jax.tree.leaves(expected))
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(expected)):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    return ours


# -- the layers, with Keras's options ---------------------------------------------------------------------
@pytest.mark.parametrize("name, extra", [
    ("SimpleRNN", {"activation": "relu", "use_bias": False}),
    ("GRU", {}),
    ("GRU", {"reset_after": False, "recurrent_activation": "hard_sigmoid"}),
    ("LSTM", {}),
], ids=["simple_rnn", "gru", "gru_reset_before", "lstm"])
def test_sequences_states_backwards(name, extra):
    assert_layer_parity(*_both(name, units=4, return_sequences=True, return_state=True, go_backwards=True, **extra),
                        X, training=INFERENCE)


def test_lstm_last_output_backwards_from_initial_state():
    h0, c0 = RNG.standard_normal((2, 3, 4)).astype("float32")
    assert_layer_parity(*_both("LSTM", units=4, return_state=True, go_backwards=True), X, training=INFERENCE,
                        call_kwargs={"initial_state": [h0, c0]})


def test_gru_initial_state_as_one_tensor():
    h0 = RNG.standard_normal((3, 4)).astype("float32")
    make_ours, make_theirs = _both("GRU", units=4, reset_after=False, return_state=True)
    _assert_same_outputs(make_ours(), make_theirs(), X, initial_state=h0)


# -- masks: a masked step keeps the previous states; outputs follow Keras's rule --------------------------------
def test_lstm_mask_with_initial_state():
    # The second sample starts masked: its first outputs are the initial h, as Keras's scan gives.
    h0, c0 = RNG.standard_normal((2, 3, 4)).astype("float32")
    assert_layer_parity(*_both("LSTM", units=4, return_sequences=True, return_state=True), X, training=INFERENCE,
                        call_kwargs={"mask": MASK, "initial_state": [h0, c0]})


def test_mask_backwards_zero_output():
    assert_layer_parity(*_both("GRU", units=4, return_sequences=True, go_backwards=True, zero_output_for_mask=True),
                        X, training=INFERENCE, call_kwargs={"mask": MASK})


def _embedding_model(lib, go_backwards):
    ids = lib.Input((6,), dtype="int32")
    x = lib.layers.Embedding(10, 5, mask_zero=True)(ids)
    x = lib.layers.LSTM(4, return_sequences=True, go_backwards=go_backwards)(x)
    x = lib.layers.GRU(3, reset_after=False)(x)
    return lib.Model(ids, lib.layers.Dense(2)(x))


def test_mask_from_embedding():
    ids = np.array([[1, 2, 3, 0, 0, 0], [0, 0, 4, 5, 6, 7], [1, 0, 2, 0, 3, 0]], "int32")
    theirs, ours = _embedding_model(keras(), True), _embedding_model(kerax, True)
    ours.set_weights(theirs.get_weights())
    expected = theirs.predict(ids, verbose=0)
    np.testing.assert_allclose(ours.predict(ids, verbose=0), expected, atol=1e-5, rtol=1e-5)
    # The mask matters: the same model without it gives other numbers.
    unmasked = ours.predict(np.where(ids == 0, 9, ids), verbose=0)
    assert not np.allclose(unmasked, expected, atol=1e-3)


def _masking_model(lib):
    inputs = lib.Input((5, 3))
    x = lib.layers.Masking(0.0)(inputs)
    x = lib.layers.TimeDistributed(lib.layers.Dense(4))(x)  # the mask passes through
    x = lib.layers.Bidirectional(lib.layers.SimpleRNN(3, return_sequences=True))(x)
    return lib.Model(inputs, lib.layers.LSTM(2)(x))


def test_mask_from_masking_through_time_distributed_and_bidirectional():
    x = RNG.standard_normal((3, 5, 3)).astype("float32")
    x[0, 3:] = 0.0
    x[1, :2] = 0.0
    x[2, 2] = 0.0
    theirs, ours = _masking_model(keras()), _masking_model(kerax)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_masking_layer():
    x = RNG.standard_normal((2, 4, 3)).astype("float32")
    x[0, 1] = 2.0
    x[1, 3] = 2.0
    x[1, 0, 0] = 2.0  # one feature equal to mask_value does not mask the step
    assert_layer_parity(*_both("Masking", mask_value=2.0), x)
    inputs = kerax.Input((4, 3))
    masked = kerax.layers.Masking(2.0)(inputs)
    assert masked._keras_mask is not None and masked._keras_mask.shape == (None, 4)


# -- Bidirectional ----------------------------------------------------------------------------------------------
def test_bidirectional_concat_return_state():
    def make(lib):
        return lambda: lib.layers.Bidirectional(lib.layers.LSTM(4, return_sequences=True, return_state=True))

    ours, _ = assert_layer_parity(make(kerax), make(keras()), X, training=INFERENCE)
    paths = [v.path for v in ours.weights]
    assert [p.split("/")[-3] for p in paths] == ["forward_lstm"] * 3 + ["backward_lstm"] * 3
    assert ours.backward_layer.go_backwards and not ours.forward_layer.go_backwards


def test_bidirectional_merge_modes():
    theirs = keras().layers.Bidirectional(keras().layers.GRU(4, return_sequences=True), merge_mode=None)
    y, y_rev = (np.asarray(t) for t in theirs(X))
    expected = {None: (y, y_rev), "sum": y + y_rev, "mul": y * y_rev, "ave": (y + y_rev) / 2}
    for merge_mode, want in expected.items():
        ours = kerax.layers.Bidirectional(kerax.layers.GRU(4, return_sequences=True), merge_mode=merge_mode)
        ours(X)
        ours.set_weights(theirs.get_weights())
        got = ours(X)
        assert isinstance(got, tuple) == (merge_mode is None)
        for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5, err_msg=f"merge_mode={merge_mode}")


def test_bidirectional_initial_state_and_backward_layer():
    states = list(RNG.standard_normal((2, 3, 4)).astype("float32"))

    def make(lib):
        backward = lib.layers.SimpleRNN(4, go_backwards=True)
        return lib.layers.Bidirectional(lib.layers.SimpleRNN(4), backward_layer=backward)

    _assert_same_outputs(make(kerax), make(keras()), X, initial_state=states)


# -- TimeDistributed -----------------------------------------------------------------------------------------
def test_time_distributed_dense():
    def make(lib):
        return lambda: lib.layers.TimeDistributed(lib.layers.Dense(4, activation="tanh"))

    ours, _ = assert_layer_parity(make(kerax), make(keras()), X, training=INFERENCE)
    assert ours.compute_output_shape((None, 6, 5)) == (None, 6, 4)


def test_time_distributed_unknown_batch_and_time():
    inputs = kerax.Input((None, 5))
    outputs = kerax.layers.TimeDistributed(kerax.layers.Dense(2))(inputs)
    assert outputs.shape == (None, None, 2)
    model = kerax.Model(inputs, outputs)
    assert model.predict(X, verbose=0).shape == (3, 6, 2)


# -- cells and RNN(cell) ---------------------------------------------------------------------------------------
def test_rnn_wrapping_a_cell():
    def make(lib):
        return lib.layers.RNN(lib.layers.LSTMCell(4), return_sequences=True, return_state=True)

    ours = _assert_same_outputs(make(kerax), make(keras()), X)
    assert ours.cell.kernel.shape == (5, 16)


def test_cell_single_step():
    x = X[:, 0]
    h, c = RNG.standard_normal((2, 3, 4)).astype("float32")
    ours, theirs = kerax.layers.LSTMCell(4), keras().layers.LSTMCell(4)
    expected_out, (expected_h, expected_c) = theirs(x, [h, c])
    ours(x, [h, c])
    ours.set_weights(theirs.get_weights())
    out, (new_h, new_c) = ours(x, [h, c])
    for a, b in ((out, expected_out), (new_h, expected_h), (new_c, expected_c)):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


def test_weights_live_on_the_cell_in_keras_order():
    layer = kerax.layers.GRU(4, reset_after=True)
    layer(X)
    assert [v.name for v in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert layer.cell.bias.shape == (2, 12) and layer.weights[0] is layer.cell.kernel
    assert kerax.layers.GRU(4, reset_after=False).cell._bias_shape() == (12,)
    lstm = kerax.layers.LSTM(4)
    lstm(X)
    # unit_forget_bias: the forget block starts at one, the others at the bias initializer's zeros.
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), np.repeat([0.0, 1.0, 0.0, 0.0], 4))


# -- dropout: masks drawn once per call, passed into the one scan ----------------------------------------------------
def _eager_nodes(layer, training=None):
    (program,) = [p for key, p in layer._eager_programs.items() if key[-1] == training]
    return program.graph.nodes


def test_dropout_masks_drawn_once_per_call():
    layer = kerax.layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, return_sequences=True, seed=1)
    inference = layer(X)
    training = layer(X, training=True)
    assert not np.allclose(training, inference)
    nodes = _eager_nodes(layer, training=True)
    assert [n.op for n in nodes if n.op in ("dropout", "lstm")] == ["dropout", "dropout", "lstm"]
    (lstm,) = [n for n in nodes if n.op == "lstm"]
    # recurrent dropout switches to Keras's implementation 1: one mask per gate
    assert [v.type.shape[1:] for v in lstm.inputs[-2:]] == [(4, 5), (4, 4)]
    again = layer(X, training=True)
    assert not np.allclose(again, training)  # fresh masks on the next call


@pytest.mark.parametrize("name, extra, masks", [
    ("LSTM", {}, 4), ("GRU", {}, 3), ("GRU", {"reset_after": False}, 3), ("SimpleRNN", {}, 1),
], ids=["lstm", "gru", "gru_reset_before", "simple"])
def test_dropout_arithmetic(name, extra, masks):
    # The same dropout masks in both libraries (Keras caches them on the cell for one call): one per
    # gate for LSTM and GRU with recurrent dropout (implementation 1), one for SimpleRNN.
    rng = np.random.default_rng(3)
    input_masks = (rng.random((3, masks, 5)) > 0.5).astype("float32") * 2.0
    recurrent_masks = (rng.random((3, masks, 4)) > 0.5).astype("float32") * 2.0
    make_ours, make_theirs = _both(name, units=4, dropout=0.5, recurrent_dropout=0.5, return_sequences=True, **extra)
    theirs, ours = make_theirs(), make_ours()
    theirs(X)
    split = (lambda m: [m[:, i] for i in range(masks)]) if masks > 1 else (lambda m: m[:, 0])
    theirs.cell._dropout_mask, theirs.cell._recurrent_dropout_mask = split(input_masks), split(recurrent_masks)
    expected = theirs(X, training=True)
    ours(X)
    ours.set_weights(theirs.get_weights())
    ours.cell._dropout_masks = lambda sequences, training: (input_masks, recurrent_masks)
    np.testing.assert_allclose(ours(X, training=True), expected, atol=1e-5, rtol=1e-5)


def test_dropout_inference_parity():
    make_ours, make_theirs = _both("SimpleRNN", units=4, dropout=0.3, recurrent_dropout=0.3)
    _assert_same_outputs(make_ours(), make_theirs(), X, training=False)


# -- the IR: one composite op per layer, lowered to one lax.scan -----------------------------------------------------
def _primitives(jaxpr) -> list:
    """Every primitive in a jaxpr, nested jaxprs included (but not the scan's own body)."""
    names = []
    for eqn in jaxpr.eqns:
        names.append(eqn.primitive.name)
        if eqn.primitive.name == "scan":
            continue
        for param in eqn.params.values():
            inner = getattr(param, "jaxpr", param)
            if hasattr(inner, "eqns"):
                names.extend(_primitives(inner))
    return names


def test_one_scan_per_layer():
    layer = kerax.layers.GRU(4, return_sequences=True)
    layer(X)
    assert [n.op for n in _eager_nodes(layer)].count("gru") == 1
    (program,) = layer._eager_programs.values()
    variables = {name: v.value for v, name in zip(program.variables, program.names)}
    primitives = _primitives(jax.make_jaxpr(lambda: program.apply(variables, [X]))().jaxpr)
    assert primitives.count("scan") == 1 and "while" not in primitives


LSTM_ATTRS = dict(activation="tanh", recurrent_activation="sigmoid", use_bias=True, initial_state=False, masked=False,
                  go_backwards=False, return_sequences=True, zero_output_for_mask=False)


def test_lstm_projection_in_the_loop_agrees_with_per_gate_masks():
    # One dropout mask shared by the gates takes the in-loop projection ([x_t, h] @ [kernel;
    # recurrent_kernel]); the same mask repeated per gate takes the hoisted and the per-gate paths.
    rng = np.random.default_rng(5)
    x, kernel, recurrent, bias = (rng.standard_normal(s).astype("float32") for s in [(3, 6, 5), (5, 16), (4, 16), (16,)])
    mask, recurrent_mask = ((rng.random(s) > 0.5).astype("float32") * 2.0 for s in [(3, 1, 5), (3, 1, 4)])
    lstm = registry.get("lstm").lower
    for dropout, recurrent_dropout in [(True, False), (False, True), (True, True)]:
        masks = [m for m, on in [(mask, dropout), (recurrent_mask, recurrent_dropout)] if on]
        shared = lstm(x, kernel, recurrent, bias, *masks, dropout=dropout, recurrent_dropout=recurrent_dropout,
                      **LSTM_ATTRS)
        per_gate = lstm(x, kernel, recurrent, bias, *(np.repeat(m, 4, axis=1) for m in masks), dropout=dropout,
                        recurrent_dropout=recurrent_dropout, **LSTM_ATTRS)
        np.testing.assert_allclose(shared[0], per_gate[0], atol=1e-5, rtol=1e-5)


def _inner_jaxprs(eqn):
    for param in eqn.params.values():
        inner = getattr(param, "jaxpr", param)
        if hasattr(inner, "eqns"):
            yield inner


def _dots(jaxpr) -> int:
    return sum(e.primitive.name == "dot_general" or sum(_dots(j) for j in _inner_jaxprs(e)) for e in jaxpr.eqns)


def _dots_per_loop(jaxpr) -> list:
    """The number of dot_general equations in the body of each scan of `jaxpr`."""
    counts = []
    for eqn in jaxpr.eqns:
        for inner in _inner_jaxprs(eqn):
            counts.extend([_dots(inner)] if eqn.primitive.name == "scan" else _dots_per_loop(inner))
    return counts


@pytest.mark.parametrize("go_backwards, return_sequences", [(False, False), (True, True)])
def test_lstm_gradient_runs_one_matmul_a_step(go_backwards, return_sequences):
    # The LSTM loop's own gradient (ir/ops/lstm_loop.py): each loop makes one product a step
    # (forward: [x_t, h] @ [kernel; recurrent_kernel]; backward: dz @ recurrent_kernel^T), and the
    # kernels' and inputs' gradients are one product each outside the loops. Autodiff of the
    # same loop, the reference here, agrees with it.
    rng = np.random.default_rng(6)
    x, kernel, recurrent, bias = (rng.standard_normal(s).astype("float32") * 0.5
                                  for s in [(3, 6, 5), (5, 16), (4, 16), (16,)])
    h0, c0 = rng.standard_normal((2, 3, 4)).astype("float32")
    cotangent = rng.standard_normal((3, 6, 4) if return_sequences else (3, 4)).astype("float32")
    attrs = {**LSTM_ATTRS, "go_backwards": go_backwards, "return_sequences": return_sequences, "initial_state": True}
    lstm = registry.get("lstm").lower

    def loss(x, kernel, recurrent, bias, h0, c0):
        output, h, c = lstm(x, kernel, recurrent, bias, h0, c0, dropout=False, recurrent_dropout=False, **attrs)
        return (output * cotangent).sum() + (h * c).sum()

    def reference(x, kernel, recurrent, bias, h0, c0):  # the same LSTM, differentiated by JAX
        def step(carry, x_t):
            h, c = carry
            z_i, z_f, z_c, z_o = jnp.split(x_t @ kernel + h @ recurrent + bias, 4, axis=-1)
            c = jax.nn.sigmoid(z_f) * c + jax.nn.sigmoid(z_i) * jnp.tanh(z_c)
            h = jax.nn.sigmoid(z_o) * jnp.tanh(c)
            return (h, c), h
        (h, c), hs = jax.lax.scan(step, (h0, c0), jnp.swapaxes(x, 0, 1), reverse=go_backwards)
        hs = jnp.swapaxes(hs, 0, 1)
        output = (jnp.flip(hs, axis=1) if go_backwards else hs) if return_sequences else h
        return (output * cotangent).sum() + (h * c).sum()

    args = (x, kernel, recurrent, bias, h0, c0)
    ours = jax.grad(loss, argnums=range(6))(*args)
    theirs = jax.grad(reference, argnums=range(6))(*args)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    assert _dots_per_loop(jax.make_jaxpr(jax.grad(loss, argnums=range(6)))(*args).jaxpr) == [1, 1]
    assert max(_dots_per_loop(jax.make_jaxpr(jax.grad(reference, argnums=range(6)))(*args).jaxpr)) > 1


def test_flops_rule():
    t = kerax.ir.TensorType
    in_types = (t((2, 7, 5), "float32"), t((5, 16), "float32"), t((4, 16), "float32"))
    out_types = (t((2, 4), "float32"),) * 3
    flops, _ = registry.cost("lstm", in_types, out_types, {}, 1)
    assert flops == 7 * (2 * 2 * 16 * (5 + 4) + 10 * 2 * 4)


# -- arguments and errors -------------------------------------------------------------------------------------
def test_config_round_trip():
    layer = kerax.layers.LSTM(5, recurrent_activation="hard_sigmoid", dropout=0.1, return_sequences=True,
                              go_backwards=True, unit_forget_bias=False, kernel_regularizer="l2")
    clone = kerax.layers.LSTM.from_config(layer.get_config())
    for key in ("units", "dropout", "return_sequences", "go_backwards", "unit_forget_bias"):
        assert getattr(clone, key) == getattr(layer, key)
    assert clone.recurrent_activation is kerax.activations.hard_sigmoid
    wrapped = kerax.layers.RNN.from_config(kerax.layers.RNN(kerax.layers.GRUCell(3, reset_after=False)).get_config())
    assert isinstance(wrapped.cell, kerax.layers.GRUCell) and not wrapped.cell.reset_after


def test_errors_name_the_layer_and_argument():
    with pytest.raises(ValueError, match="argument `units` must be a positive integer, received 0"):
        kerax.layers.LSTM(0)
    with pytest.raises(ValueError, match="argument `dropout` must be a number in \\[0, 1\\], received 1.5"):
        kerax.layers.GRU(2, dropout=1.5)
    with pytest.raises(ValueError, match="`activation` must be one of the activations the recurrent op knows"):
        kerax.layers.SimpleRNN(2, activation=lambda x: x * 2)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        kerax.layers.LSTM(2)(np.ones((2, 3), "float32"))
    layer = kerax.layers.LSTM(2, name="enc")
    with pytest.raises(ValueError, match="Layer 'enc': argument `initial_state` must hold 2 tensor"):
        layer(X, initial_state=[np.zeros((3, 2), "float32")])
    with pytest.raises(ValueError, match="Bidirectional: argument `merge_mode`"):
        kerax.layers.Bidirectional(kerax.layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="rank >= 3"):
        kerax.layers.TimeDistributed(kerax.layers.Dense(2))(np.ones((2, 3), "float32"))


# -- eager calls: masks ride on the output arrays as `_keras_mask`, as in Keras on JAX ----------------
def test_eager_outputs_carry_keras_mask_and_the_next_layer_uses_it():
    ids = np.array([[7, 6, 3, 0, 0, 0], [7, 8, 3, 5, 9, 0]], "int32")
    theirs, ours = keras().layers.Embedding(10, 5, mask_zero=True), kerax.layers.Embedding(10, 5, mask_zero=True)
    expected, got = theirs(ids), ours(ids)
    np.testing.assert_array_equal(got._keras_mask, expected._keras_mask)
    floats = np.repeat(ids[..., None], 4, axis=-1).astype("float32")
    np.testing.assert_array_equal(kerax.layers.Masking()(floats)._keras_mask,
                                  keras().layers.Masking()(floats)._keras_mask)
    # An LSTM called on the masked output skips the masked steps, as with an explicit `mask=`.
    lstm_theirs, lstm_ours = keras().layers.LSTM(3), kerax.layers.LSTM(3)
    reference = lstm_theirs(expected)
    lstm_ours(got)
    lstm_ours.set_weights(lstm_theirs.get_weights())
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(lstm_ours(ours(ids)), reference, atol=1e-5, rtol=1e-5)
    unmasked = lstm_ours(np.asarray(ours(ids)))  # a plain array carries no mask
    assert not np.allclose(unmasked, reference, atol=1e-3)
