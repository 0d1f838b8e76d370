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


def test_weights_as_images_as_keras_lays_them_out(tmp_path):
    import io

    Image = pytest.importorskip("PIL.Image", reason="write_images needs pillow (the test extra)")

    model = kerax.Sequential([kerax.Input((4, 4, 1)), kerax.layers.Conv2D(5, 3, name="conv"), kerax.layers.Flatten(),
                              kerax.layers.Dense(3, name="out")])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((8, 4, 4, 1), "float32")
    model.fit(x, np.zeros((8, 3), "float32"), epochs=3, verbose=0,
              callbacks=[kerax.callbacks.TensorBoard(tmp_path, histogram_freq=2, write_images=True)])
    train = read(tmp_path / "train")
    images = sorted(train.Tags()["images"])
    kernel, bias = model.get_layer("out").kernel.path, model.get_layer("out").bias.path
    conv = model.get_layer("conv").kernel.path
    # 5 conv kernels, of which tf.summary.image keeps 3; the conv bias; the Dense kernel and bias
    assert images == sorted([f"{conv}/image/{i}" for i in range(3)] + [f"{model.get_layer('conv').bias.path}/image",
                                                                    f"{kernel}/image", f"{bias}/image"])
    assert [e.step for e in train.Images(f"{kernel}/image")] == [0, 2]  # with the histograms


    def pixels(tag):
        image = np.asarray(Image.open(io.BytesIO(train.Images(tag)[-1].encoded_image_string)))
        return image if image.ndim == 2 else image[..., 0]  # grey, in however many channels

    # tf.summary.image's float-to-byte conversion, written out by hand
    weights = model.get_layer("out").kernel.numpy()  # (20, 3): shown transposed, longer axis across
    np.testing.assert_array_equal(pixels(f"{kernel}/image"),
                                  np.clip(weights.T * 255.5, 0, 255).astype(np.uint8))
    assert pixels(f"{bias}/image").shape == (3, 1)  # a bias: one column
    first = model.get_layer("conv").kernel.numpy()[:, :, 0, 0]
    np.testing.assert_array_equal(pixels(f"{conv}/image/0"), np.clip(first * 255.5, 0, 255).astype(np.uint8))


def test_embeddings_for_the_projector(tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2, projector_plugin

    model = kerax.Sequential([kerax.Input((3,), dtype="int32"), kerax.layers.Embedding(10, 4, name="words"),
                              kerax.layers.Flatten(), kerax.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    tokens = np.random.default_rng(0).integers(0, 10, (16, 3))
    model.fit(tokens, np.zeros((16, 1), "float32"), epochs=2, verbose=0,
              callbacks=[kerax.callbacks.TensorBoard(tmp_path, embeddings_freq=1,
                                                     embeddings_metadata={"words": "words.tsv"})])
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                               projector_config_pb2.ProjectorConfig())
    (embedding,) = config.embeddings
    assert embedding.tensor_name == model.get_layer("words").embeddings.path
    assert list(embedding.tensor_shape) == [10, 4] and embedding.metadata_path == "words.tsv"
    path = projector_plugin._rel_to_abs_asset_path(embedding.tensor_path, str(tmp_path / "projector_config.pbtxt"))
    np.testing.assert_allclose(projector_plugin._read_tensor_tsv_file(path),
                               model.get_layer("words").embeddings.numpy(), rtol=1e-7)
    assert sorted(p.name for p in (tmp_path / "train").glob("keras_embedding.ckpt-*")) == [
        "keras_embedding.ckpt-0.weights.h5", "keras_embedding.ckpt-1.weights.h5"]
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names"):
        model.fit(tokens, np.zeros((16, 1), "float32"), epochs=1, verbose=0,
                  callbacks=[kerax.callbacks.TensorBoard(tmp_path, embeddings_freq=1,
                                                         embeddings_metadata={"nope": "x.tsv"})])
