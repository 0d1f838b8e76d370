"""MultiHeadAttention, Attention and EinsumDense give Keras 3's outputs and gradients for Keras's
weights, and every attention is one `dot_product_attention` IR node."""
import numpy as np
import pytest

import kerax
from parity import assert_layer_parity, keras

RNG = np.random.default_rng(0)
# One length for query, value and key in most tests: eager JAX compiles once per shape, and
# shared shapes keep this file fast. Cross-attention of different lengths has its own test.
Q = RNG.standard_normal((3, 5, 8)).astype(np.float32)
V = RNG.standard_normal((3, 5, 8)).astype(np.float32)
K = RNG.standard_normal((3, 5, 4)).astype(np.float32)
V_LONGER = RNG.standard_normal((3, 7, 8)).astype(np.float32)
ATTENTION_MASK = (RNG.random((3, 5, 5)) > 0.3).astype(np.int32)
IMAGE = RNG.standard_normal((2, 3, 4, 6)).astype(np.float32)


def _wrapped(lib, make):
    """A layer taking [query, value(, key)] as one list (what the parity harness passes) and
    calling the attention layer with separate arguments, as users do."""

    class Wrapper(lib.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = make(lib)

        def call(self, inputs, training=None, attention_mask=None, return_attention_scores=False,
                 use_causal_mask=False):
            key = inputs[2] if len(inputs) > 2 else None
            return self.inner(inputs[0], inputs[1], key=key, training=training, attention_mask=attention_mask,
                              return_attention_scores=return_attention_scores, use_causal_mask=use_causal_mask)

    return Wrapper()


def mha_parity(inputs, training=(False, True), call_kwargs=None, **layer_kwargs):
    layer_kwargs.setdefault("num_heads", 2)
    layer_kwargs.setdefault("key_dim", 4)

    def make(lib):
        return lib.layers.MultiHeadAttention(**layer_kwargs)

    return assert_layer_parity(lambda: _wrapped(kerax, make), lambda: _wrapped(keras(), make), inputs,
                               training=training, call_kwargs=call_kwargs)


# -- MultiHeadAttention ---------------------------------------------------------------------------
@pytest.mark.parametrize("layer_kwargs", [
    {"use_bias": False, "use_gate": True},
    {"output_shape": (2, 4), "sliding_window": 2},
])
def test_mha_options(layer_kwargs):
    mha_parity([Q, V], **layer_kwargs)


def test_mha_with_separate_key_has_keras_weight_order():
    ours, theirs = mha_parity([Q, V, K])
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert [v.path.split("/", 1)[1] for v in ours.inner.weights] == [
        f"{p}/{w}" for p in ("query", "key", "value", "attention_output") for w in ("kernel", "bias")]


def test_mha_cross_attention_with_its_own_value_dim():
    ours, theirs = mha_parity([Q, V_LONGER], value_dim=3, call_kwargs={"return_attention_scores": True})
    out, scores = ours([Q, V_LONGER], return_attention_scores=True)
    assert out.shape == (3, 5, 8) and scores.shape == (3, 2, 5, 7)
    np.testing.assert_allclose(np.asarray(scores).sum(-1), 1.0, rtol=1e-5)
    # Keras 3.15 fails on value_dim != key_dim in its fused path (jax.nn.dot_product_attention
    # wants equal depths); kerax computes it, with the Softmax path's numbers (nothing is masked).
    np.testing.assert_allclose(np.asarray(ours([Q, V_LONGER])), np.asarray(out), atol=1e-6)


# Keras takes a fused path (keras.ops.dot_product_attention) unless scores are returned or
# dropout is on, and a Softmax-layer path otherwise; they differ where a row is fully masked.
@pytest.mark.parametrize("call_kwargs", [
    {"attention_mask": ATTENTION_MASK},
    {"use_causal_mask": True},
    {"attention_mask": ATTENTION_MASK, "use_causal_mask": True, "return_attention_scores": True},
    {"attention_mask": ATTENTION_MASK, "return_attention_scores": True},
], ids=["mask", "causal", "mask-causal-scores", "mask-scores"])
def test_mha_masks(call_kwargs):
    mha_parity([Q, V], call_kwargs=call_kwargs)


@pytest.mark.parametrize("axes, mask_shape", [((1,), None), ((1, 2), (2, 3, 4, 3, 4))])
def test_mha_attention_axes(axes, mask_shape):
    call_kwargs = None if mask_shape is None else {"attention_mask": RNG.random(mask_shape) > 0.3}
    mha_parity([IMAGE, IMAGE], attention_axes=axes, call_kwargs=call_kwargs)


def test_mha_dropout_matches_keras_in_inference():
    mha_parity([Q, V], training=(False,), dropout=0.5)


def _masked_ids(rows, length, vocab=11):
    ids = RNG.integers(1, vocab, (rows, length)).astype(np.int32)
    for i in range(rows):
        ids[i, length - i:] = 0  # row i has i padded positions
    return ids


def _embedded(lib, scores, causal=False, cross=False):
    """Embedding(mask_zero=True) feeding MultiHeadAttention, so the masks come from the tensors."""

    class Encoder(lib.layers.Layer):
        def __init__(self):
            super().__init__()
            self.embedding = lib.layers.Embedding(11, 8, mask_zero=True)
            self.attention = lib.layers.MultiHeadAttention(num_heads=2, key_dim=4)

        def call(self, inputs, training=None):
            query = self.embedding(inputs[0])
            value = self.embedding(inputs[1]) if cross else query
            return self.attention(query, value, return_attention_scores=scores, use_causal_mask=causal,
                                  training=training)

    return Encoder()


@pytest.mark.parametrize("scores, causal, cross", [(False, False, True), (True, True, False)],
                         ids=["fused-cross", "softmax-causal-self"])
def test_mha_uses_query_and_value_masks_from_embedding(scores, causal, cross):
    query_ids, value_ids = _masked_ids(3, 5), _masked_ids(3, 5)[::-1].copy()
    assert_layer_parity(lambda: _embedded(kerax, scores, causal, cross),
                        lambda: _embedded(keras(), scores, causal, cross), [query_ids, value_ids])


def test_mha_masked_keys_get_no_attention():
    ids = _masked_ids(3, 5)
    layer = _embedded(kerax, scores=True)
    _, scores = layer([ids, ids])
    padded = np.broadcast_to((ids == 0)[:, None, None, :], scores.shape)
    assert np.all(np.asarray(scores)[padded] == 0)


def test_mha_output_carries_the_query_mask_in_a_model():
    ids = kerax.Input((5,), dtype="int32")
    x = kerax.layers.Embedding(11, 8, mask_zero=True)(ids)
    out, scores = kerax.layers.MultiHeadAttention(2, 4)(x, x, return_attention_scores=True)
    assert out._keras_mask is not None and out._keras_mask.shape == (None, 5)
    assert scores._keras_mask is None


def test_mha_in_a_functional_model_trains():
    query, value = kerax.Input((5, 8)), kerax.Input((5, 8))
    out = kerax.layers.MultiHeadAttention(2, 4)(query, value)
    model = kerax.Model([query, value], kerax.layers.Dense(1)(out))
    model.compile(loss="mse", optimizer="sgd")
    history = model.fit([Q, V], np.zeros((3, 5, 1), np.float32), epochs=3, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def _program_ops(layer):
    (program,) = layer._eager_programs.values()
    return [node.op for node in program.graph.nodes]


@pytest.mark.parametrize("kwargs", [{}, {"use_causal_mask": True}, {"return_attention_scores": True}])
def test_mha_is_one_attention_node(kwargs):
    layer = kerax.layers.MultiHeadAttention(2, 4)
    layer(Q, V, **kwargs)
    ops = _program_ops(layer)
    assert ops.count("dot_product_attention") == 1
    assert "softmax" not in ops and ops.count("einsum") == 4  # the four projections only


def test_mha_dropout_draws_fresh_noise_in_training():
    layer = kerax.layers.MultiHeadAttention(2, 4, dropout=0.5, seed=3)
    inference = np.asarray(layer(Q, V))
    first, second = np.asarray(layer(Q, V, training=True)), np.asarray(layer(Q, V, training=True))
    assert not np.allclose(first, second)
    assert not np.allclose(first, inference)
    np.testing.assert_allclose(np.asarray(layer(Q, V)), inference)


def test_attention_dropout_drops_probabilities_and_rescales_the_rest():
    import jax

    from kerax.frontend.ops.attention import attention

    q, k, v = (RNG.standard_normal((4, 16, 2, 8)).astype(np.float32) for _ in range(3))
    _, probs = jax.jit(lambda q, k, v: attention(q, k, v, scale=0.5, mask_mode="softmax_layer", scores="probs"))(q, k, v)
    seed = kerax.random.SeedGenerator(1)
    out, dropped = jax.jit(lambda q, k, v: attention(q, k, v, scale=0.5, mask_mode="softmax_layer", dropout_rate=0.3,
                                                     seed=seed, scores="dropped"))(q, k, v)
    probs, dropped = np.asarray(probs), np.asarray(dropped)
    kept = dropped != 0
    assert abs(1 - kept.mean() - 0.3) < 0.02
    np.testing.assert_allclose(dropped[kept], probs[kept] / 0.7, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(out), np.einsum("bnts,bsnv->btnv", dropped, v), atol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"num_heads": 0, "key_dim": 4}, "num_heads"),
    ({"num_heads": 2, "key_dim": -1}, "key_dim"),
    ({"num_heads": 2, "key_dim": 4, "attention_axes": "x"}, "attention_axes"),
    ({"num_heads": 2, "key_dim": 4, "dropout": 2.0}, "dropout"),
])
def test_mha_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kerax.layers.MultiHeadAttention(**kwargs)


def test_mha_rejects_key_and_value_of_different_lengths():
    with pytest.raises(ValueError, match="`value` and `key`"):
        kerax.layers.MultiHeadAttention(2, 4)(Q, V_LONGER, key=Q)


def test_mha_config_round_trips():
    layer = kerax.layers.MultiHeadAttention(3, 5, value_dim=2, dropout=0.1, output_shape=7, attention_axes=(1,))
    config = layer.get_config()
    theirs = keras().layers.MultiHeadAttention(3, 5, value_dim=2, dropout=0.1, output_shape=7, attention_axes=(1,))
    assert set(theirs.get_config()) <= set(config)
    clone = kerax.layers.MultiHeadAttention.from_config(config)
    assert clone.get_config()["output_shape"] == (7,) and clone.key_dim == 5


# -- Attention ------------------------------------------------------------------------------------------
QA, VA, KA = Q, V, RNG.standard_normal((3, 5, 8)).astype(np.float32)
QUERY_MASK = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool)
VALUE_MASK = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool)  # row 2: all masked


def attention_parity(inputs, call_kwargs=None, training=(False, True), **layer_kwargs):
    return assert_layer_parity(lambda: kerax.layers.Attention(**layer_kwargs),
                               lambda: keras().layers.Attention(**layer_kwargs), inputs, training=training,
                               call_kwargs=call_kwargs)


def _attention_layer(lib, **kwargs):
    """An Attention layer whose scale (when it has one) is not 1, so that it matters."""
    layer = lib.layers.Attention(**kwargs)
    if kwargs.get("use_scale"):
        layer([QA, VA])
        layer.set_weights([np.asarray(0.7, np.float32)] + layer.get_weights()[1:])
    return layer


@pytest.mark.parametrize("score_mode, use_scale, with_key", [
    ("dot", False, False), ("dot", True, True), ("concat", False, True), ("concat", True, False)])
def test_attention(score_mode, use_scale, with_key):
    inputs = [QA, VA, KA] if with_key else [QA, VA]
    assert_layer_parity(lambda: _attention_layer(kerax, use_scale=use_scale, score_mode=score_mode),
                        lambda: _attention_layer(keras(), use_scale=use_scale, score_mode=score_mode), inputs)


@pytest.mark.parametrize("score_mode, causal, scores", [
    ("dot", False, False), ("dot", True, True), ("concat", False, True), ("concat", True, False)])
def test_attention_masks(score_mode, causal, scores):
    attention_parity([QA, VA], score_mode=score_mode,
                     call_kwargs={"mask": [QUERY_MASK, VALUE_MASK], "use_causal_mask": causal,
                                  "return_attention_scores": scores})


def test_attention_causal_without_masks():
    attention_parity([QA, VA], call_kwargs={"use_causal_mask": True})


def test_attention_dropout_matches_keras_in_inference_and_drops_in_training():
    attention_parity([QA, VA], dropout=0.5, training=(False,), call_kwargs={"return_attention_scores": True})
    layer = kerax.layers.Attention(dropout=0.5, seed=2)
    q = RNG.standard_normal((32, 20, 4)).astype(np.float32)
    _, weights = layer([q, q], return_attention_scores=True, training=True)
    weights = np.asarray(weights)
    # Keras's Attention returns the weights after dropout: about half are zeroed, the rest doubled.
    assert 0.45 < np.mean(weights == 0) < 0.55
    np.testing.assert_allclose(weights.sum(-1).mean(), 1.0, atol=0.05)
    _, again = layer([q, q], return_attention_scores=True, training=True)
    assert not np.array_equal(weights, np.asarray(again))


def test_attention_masks_come_from_embedding():
    def make(lib):
        class Encoder(lib.layers.Layer):
            def __init__(self):
                super().__init__()
                self.embedding = lib.layers.Embedding(11, 4, mask_zero=True)
                self.attention = lib.layers.Attention()

            def call(self, ids):
                x = self.embedding(ids)
                return self.attention([x, x])

        return Encoder()

    assert_layer_parity(lambda: make(kerax), lambda: make(keras()), _masked_ids(3, 5))


def test_attention_dot_is_one_attention_node():
    layer = kerax.layers.Attention(use_scale=True)
    layer([QA, VA], mask=[QUERY_MASK, VALUE_MASK], use_causal_mask=True)
    assert _program_ops(layer).count("dot_product_attention") == 1
    assert "softmax" not in _program_ops(layer)


def test_attention_rejects_bad_calls():
    with pytest.raises(ValueError, match="score_mode"):
        kerax.layers.Attention(score_mode="additive")
    with pytest.raises(ValueError, match="list"):
        kerax.layers.Attention()(QA)


# -- EinsumDense ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("equation, output_shape, bias_axes, x", [
    ("ab,bc->ac", 4, "c", RNG.standard_normal((3, 6)).astype(np.float32)),
    ("abc,cde->abde", (None, 2, 3), "de", Q),
    ("abc,cde->abde", (None, 2, 3), "e", Q),
    ("...b,bc->...c", 4, None, Q),
    ("abc...,cd->abd...", (5, 4, 2), "d", RNG.standard_normal((3, 5, 6, 2)).astype(np.float32)),
])
def test_einsum_dense(equation, output_shape, bias_axes, x):
    def make(lib):
        return lib.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, activation="tanh")

    assert_layer_parity(lambda: make(kerax), lambda: make(keras()), x)


def test_einsum_dense_kernel_fans_come_from_the_equation():
    # Kernel (16, 4, 8): the equation's fans are 16 in, 32 out (a conv-style reading would say 64, 128).
    layer = kerax.layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8))
    layer(np.ones((1, 2, 16), np.float32))
    kernel = np.asarray(layer.kernel.value)
    limit = np.sqrt(6.0 / (16 + 32))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    theirs = keras().layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8))
    theirs(np.ones((1, 2, 16), np.float32))
    assert abs(np.abs(np.asarray(theirs.kernel)).max() - np.abs(kernel).max()) < 0.1 * limit


def test_einsum_dense_rejects_bad_equations():
    with pytest.raises(ValueError, match="einsum equation"):
        kerax.layers.EinsumDense("ab->b", output_shape=3)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="bias dimension 'z'"):
        kerax.layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="z")(np.ones((2, 3), np.float32))


# -- kerax.ops.dot_product_attention ------------------------------------------------------------------------
B4, K4, V4 = (RNG.standard_normal((3, 5, 2, 4)).astype(np.float32) for _ in range(3))


@pytest.mark.parametrize("kwargs", [
    {},
    {"scale": 0.3},
    {"mask": RNG.random((3, 1, 5, 5)) > 0.4},
    {"mask": RNG.random((5, 5)) > 0.4},
    {"bias": RNG.standard_normal((1, 2, 5, 5)).astype(np.float32)},
])
def test_ops_dot_product_attention(kwargs):
    import jax

    def loss(fn, q, k, v):
        return (fn(q, k, v, **kwargs) * V4).sum()

    ours = kerax.ops.dot_product_attention(B4, K4, V4, **kwargs)
    theirs = keras().ops.dot_product_attention(B4, K4, V4, **kwargs)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-5, rtol=1e-5)
    g_ours = jax.grad(lambda *a: loss(kerax.ops.dot_product_attention, *a), argnums=(0, 1, 2))(B4, K4, V4)
    g_theirs = jax.grad(lambda *a: loss(keras().ops.dot_product_attention, *a), argnums=(0, 1, 2))(B4, K4, V4)
    for a, b in zip(g_ours, g_theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5, rtol=1e-5)


def test_ops_dot_product_attention_causal():
    ours = kerax.ops.dot_product_attention(B4, B4, B4, is_causal=True)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(keras().ops.dot_product_attention(B4, B4, B4, is_causal=True)),
                               atol=1e-6)
    # Position 0 attends only to itself.
    np.testing.assert_allclose(np.asarray(ours)[:, 0], B4[:, 0], atol=1e-6)


def test_ops_dot_product_attention_in_a_model_is_one_node():
    x = kerax.Input((5, 2, 4))
    model = kerax.Model(x, kerax.ops.dot_product_attention(x, x, x, is_causal=True))
    np.testing.assert_allclose(model.predict(B4, verbose=0),
                               np.asarray(keras().ops.dot_product_attention(B4, B4, B4, is_causal=True)), atol=1e-6)
    (program,) = model._programs.values()
    (node,) = [n for n in program.graph.nodes if n.op == "dot_product_attention"]
    assert node.attr("is_causal") is True and node.outputs[0].type.shape == (None, 5, 2, 4)


def test_attention_flops():
    from kerax.ir import TensorType, registry

    q = TensorType((2, 5, 3, 4), "float32")  # batch 2, length 5, 3 heads, depth 4
    k = TensorType((2, 7, 3, 4), "float32")
    v = TensorType((2, 7, 3, 6), "float32")
    out = TensorType((2, 5, 3, 6), "float32")
    flops, _ = registry.cost("dot_product_attention", [q, k, v], [out], {"attention_dims": 1})
    scores = 2 * 3 * 5 * 7
    assert flops == 2 * scores * 4 + 2 * scores * 6 + 5 * scores


def test_ops_dot_product_attention_rejects_non_4d():
    with pytest.raises(ValueError, match="4-D"):
        kerax.ops.dot_product_attention(Q, Q, Q)


def test_ops_dot_product_attention_grouped_query_heads():
    query = RNG.standard_normal((3, 5, 4, 4)).astype(np.float32)  # 4 query heads share 2 key/value heads
    for kwargs in ({}, {"is_causal": True}):
        np.testing.assert_allclose(np.asarray(kerax.ops.dot_product_attention(query, K4, V4, **kwargs)),
                                   np.asarray(keras().ops.dot_product_attention(query, K4, V4, **kwargs)), atol=1e-6)
    # The written-out lowering (here: for the probabilities) groups the heads the same way.
    from kerax.frontend.ops.attention import attention

    out, _ = attention(query, K4, V4, scale=0.5, scores="probs")
    np.testing.assert_allclose(np.asarray(out), np.asarray(keras().ops.dot_product_attention(query, K4, V4, scale=0.5)),
                               atol=1e-6)


def test_attention_node_types_are_checked():
    x = kerax.Input((5, 2, 4))
    with pytest.raises(ValueError, match="mask must broadcast to the scores"):
        kerax.ops.dot_product_attention(x, x, x, mask=np.ones((1, 1, 5, 3), bool))
    with pytest.raises(ValueError, match="share all but the last axis"):
        kerax.ops.dot_product_attention(x, x, kerax.Input((6, 2, 4)))
