"""A whole train step as one IR graph (forward-and-loss region under value_and_grad, the SGD
update, the iteration counter and a loss metric as ops), lowered onto Keras's state tuple."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerax.ir import GraphBuilder, TensorType
from kerax.lowering import lower_step

F = "float32"
RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 8, 3)).astype(np.float32)  # 6 batches of 8
Y = RNG.standard_normal((6, 8, 1)).astype(np.float32)
KERNEL = RNG.standard_normal((3, 1)).astype(np.float32)
BIAS = np.array([0.5], np.float32)
STATE_NAMES = [["d/kernel", "d/bias"], [], ["sgd/iteration", "sgd/learning_rate"], ["loss/total", "loss/count"]]


def forward_and_loss():
    b = GraphBuilder("forward_and_loss")
    k = b.add_input(TensorType((3, 1), F), "input", "d/kernel")
    bias = b.add_input(TensorType((1,), F), "input", "d/bias")
    x = b.add_input(TensorType((None, 3), F), "input", "x")
    y = b.add_input(TensorType((None, 1), F), "input", "y")
    pred = b.emit("add", [b.emit("matmul", [x, k])[0], bias])[0]
    loss = b.emit("mean", [b.emit("square", [b.emit("subtract", [pred, y])[0]])[0]], {"axis": None, "keepdims": False})[0]
    return b.finish([loss, pred], ["loss", "y_pred"])


def train_step_graph():
    b = GraphBuilder("train_step")
    x = b.add_input(TensorType((None, 3), F), "input", "x")
    y = b.add_input(TensorType((None, 1), F), "input", "y")
    k = b.add_input(TensorType((3, 1), F), "param", "d/kernel", True)
    bias = b.add_input(TensorType((1,), F), "param", "d/bias", True)
    it = b.add_input(TensorType((), "int32"), "state", "sgd/iteration")
    lr = b.add_input(TensorType((), F), "state", "sgd/learning_rate")
    total = b.add_input(TensorType((), F), "state", "loss/total")
    count = b.add_input(TensorType((), F), "state", "loss/count")
    loss, _, gk, gb = b.emit("value_and_grad", [k, bias, x, y], {"body": forward_and_loss(), "wrt": (0, 1)})
    new_k = b.emit("subtract", [k, b.emit("multiply", [gk, lr])[0]])[0]
    new_b = b.emit("subtract", [bias, b.emit("multiply", [gb, lr])[0]])[0]
    new_it = b.emit("add", [it, b.emit("constant", [], {"value": 1, "dtype": "int32"})[0]])[0]
    new_total = b.emit("add", [total, loss])[0]
    new_count = b.emit("add", [count, b.emit("constant", [], {"value": 1.0, "dtype": F})[0]])[0]
    mean = b.emit("divide", [new_total, new_count])[0]
    return b.finish([mean], ["loss"], [("d/kernel", new_k), ("d/bias", new_b), ("sgd/iteration", new_it),
                                       ("loss/total", new_total), ("loss/count", new_count)])


def initial_state():
    return ([jnp.asarray(KERNEL), jnp.asarray(BIAS)], [], [jnp.asarray(0, "int32"), jnp.asarray(0.1, F)],
            [jnp.asarray(0.0, F), jnp.asarray(0.0, F)])


def reference_step(state, data):
    (k, b), nt, (it, lr), (total, count) = state
    x, y = data

    def loss_of(params):
        pred = x @ params[0] + params[1]
        return jnp.mean((pred - y) ** 2)

    loss, (gk, gb) = jax.value_and_grad(loss_of)([k, b])
    total, count = total + loss, count + 1.0
    return {"loss": total / count}, ([k - gk * lr, b - gb * lr], nt, [it + 1, lr], [total, count])


def run(step):
    def body(state, data):
        logs, state = step(state, data)
        return state, logs["loss"]

    return jax.jit(lambda state: jax.lax.scan(body, state, (X, Y)))(initial_state())


def test_the_step_graph_trains_as_the_hand_written_step():
    state, losses = run(lower_step(train_step_graph(), STATE_NAMES))
    want_state, want_losses = run(reference_step)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-6)
    for got, want in zip(jax.tree.leaves(state), jax.tree.leaves(want_state)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert int(state[2][0]) == 6 and float(state[2][1]) == pytest.approx(0.1)  # counter advanced, rate untouched


def test_a_variable_missing_from_the_state_is_named():
    with pytest.raises(ValueError, match=r"reads variables that are not in the state: \['loss/count'\]"):
        lower_step(train_step_graph(), [*STATE_NAMES[:3], ["loss/total"]])
