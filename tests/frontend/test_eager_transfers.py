"""An eager `model(x)` moves each NumPy input to the device once: in the jitted call itself."""
import jax
import numpy as np

import kerax


def _mlp():
    return kerax.Sequential([kerax.Input((8,)), kerax.layers.Dense(16, activation="relu"), kerax.layers.Dense(4)])


def _transfers(capfd, call, times=3) -> int:
    """Host-to-device transfers per call, as JAX's transfer guard logs them, explicit or implicit (one line each)."""
    call()  # the first call traces and compiles: not what is counted
    capfd.readouterr()
    with jax.transfer_guard_host_to_device("log_explicit"):
        for _ in range(times):
            jax.block_until_ready(call())
    logged = capfd.readouterr().err.count("host-to-device transfer")
    assert logged % times == 0, f"{logged} transfers logged over {times} calls"
    return logged // times


def test_numpy_input_is_transferred_once(capfd):
    model = _mlp()
    x = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    assert _transfers(capfd, lambda: model(x)) == 1


def test_float64_input_is_narrowed_on_the_host_then_transferred_once(capfd):
    model = _mlp()
    x = np.random.default_rng(0).standard_normal((5, 8))
    assert _transfers(capfd, lambda: model(x)) == 1
    np.testing.assert_allclose(model(x), model(x.astype(np.float32)), rtol=1e-6)
    assert len(model._eager_programs) == 1  # float64 and float32 batches share one program


def test_device_input_is_not_transferred(capfd):
    model = _mlp()
    x = jax.numpy.ones((5, 8))
    assert _transfers(capfd, lambda: model(x)) == 0


def test_two_inputs_two_transfers(capfd):
    a, b = kerax.Input((3,)), kerax.Input((3,))
    model = kerax.Model([a, b], kerax.layers.Dense(2)(kerax.layers.Add()([a, b])))
    x = np.ones((4, 3), np.float32)
    assert _transfers(capfd, lambda: model([x, 2 * x])) == 2
    assert np.asarray(model([x, 2 * x])).shape == (4, 2)


def test_a_call_without_losses_clears_the_last_calls_losses():
    class PenalizedInTraining(kerax.layers.Layer):
        def call(self, x, training=False):
            if training:
                self.add_loss(kerax.ops.sum(x))
            return x * 2.0

    layer = PenalizedInTraining()
    x = np.ones((2, 3), np.float32)
    layer(x, training=True)
    assert [float(v) for v in layer.losses] == [6.0]
    np.testing.assert_array_equal(layer(x), 2 * x)  # the plain program: no masks, updates or losses
    assert layer.losses == []
