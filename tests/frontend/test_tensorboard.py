"""TensorBoard without TensorFlow: the event files, read back with tensorboard's own reader."""
import numpy as np
import pytest

import kerax

pytest.importorskip("tensorboardX", reason="the TensorBoard callback needs tensorboardX (the test extra)")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                        reason="reading event files needs tensorboard (the test extra)")

X = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
Y = X.sum(axis=1, keepdims=True)


def read(folder):
    accumulator = event_accumulator.EventAccumulator(str(folder), size_guidance={event_accumulator.HISTOGRAMS: 0})
    accumulator.Reload()
    return accumulator


def test_scalars_histograms_graph_and_profile(tmp_path):
    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(3, activation="relu", name="hidden"),
                              kerax.layers.Dense(1, name="out")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], steps_per_execution=2)
    callback = kerax.callbacks.TensorBoard(tmp_path, histogram_freq=1, update_freq=2, profile_batch=(1, 2))
    history = model.fit(X, Y, batch_size=4, epochs=2, verbose=0, validation_data=(X, Y), callbacks=[callback])

    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    for key in ("loss", "mae"):
        np.testing.assert_allclose([e.value for e in train.Scalars(f"epoch_{key}")], history.history[key], rtol=1e-6)
        np.testing.assert_allclose([e.value for e in validation.Scalars(f"epoch_{key}")], history.history[f"val_{key}"],
                                   rtol=1e-6)
    # 4 executions per epoch, a batch scalar every 2nd: at iterations 4, 8, 12, 16
    assert [e.step for e in train.Scalars("batch_loss")] == [4, 8, 12, 16]
    histograms = train.Tags()["histograms"]
    assert len(histograms) == 4 and all(tag.endswith("/histogram") for tag in histograms)
    kernel = [tag for tag in histograms if "hidden" in tag and "kernel" in tag][0]
    assert train.Histograms(kernel)[-1].histogram_value.num == 12  # a 4x3 kernel
    graph = train.Graph()  # the IR's ops, named by layer so that TensorBoard groups them
    assert [node.op for node in graph.node] == ["matmul", "add", "relu", "matmul", "add"]
    assert [node.name.rsplit("/", 1)[0] for node in graph.node] == ["sequential/hidden"] * 3 + ["sequential/out"] * 2
    assert list(graph.node[2].input) == [graph.node[1].name]
    assert list((tmp_path / "train").glob("plugins/profile/*/*"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="update_freq"):
        kerax.callbacks.TensorBoard(update_freq="sometimes")
    with pytest.raises(ValueError, match="profile_batch"):
        kerax.callbacks.TensorBoard(profile_batch=(5, 2))


def test_without_tensorboardx_the_error_names_the_package(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # an import of it now fails
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        kerax.callbacks.TensorBoard()
