"""kerax.utils against keras.utils (the oracle) where Keras runs without TensorFlow, and by
hand where Keras would hand back a tf.data Dataset."""
import io
import os
import re
import shutil
import tarfile

import numpy as np
import pytest

import kerax


def keras():
    import keras as k

    return k


@pytest.mark.parametrize("labels,num_classes", [([0, 2, 1], None), ([[1], [3]], 5), (np.array([[0, 1], [2, 0]]), 3)])
def test_to_categorical_matches_keras(labels, num_classes):
    ours = kerax.utils.to_categorical(labels, num_classes)
    theirs = keras().utils.to_categorical(labels, num_classes)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


def test_normalize_matches_keras():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    for axis, order in ((-1, 2), (1, 1), (1, 2)):
        np.testing.assert_allclose(kerax.utils.normalize(x, axis, order), keras().utils.normalize(x, axis, order))


@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 2}, {"padding": "post", "truncating": "post", "maxlen": 3},
                                    {"value": -1, "dtype": "float32"}, {"maxlen": 4, "truncating": "pre"}])
def test_pad_sequences_matches_keras(kwargs):
    sequences = [[1, 2, 3, 4], [5], [], [6, 7]]
    ours = kerax.utils.pad_sequences(sequences, **kwargs)
    theirs = keras().utils.pad_sequences(sequences, **kwargs)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


def test_pad_sequences_names_a_bad_argument():
    with pytest.raises(ValueError, match="padding"):
        kerax.utils.pad_sequences([[1]], padding="middle")


def test_pack_and_unpack_match_keras():
    k = keras()
    x, y, w = np.ones(3), np.zeros(3), np.full(3, 2.0)
    for args in ((x,), (x, y), (x, y, w), ((x, y),)):
        ours, theirs = kerax.utils.pack_x_y_sample_weight(*args), k.utils.pack_x_y_sample_weight(*args)
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
    for data in (x, (x,), (x, y), (x, y, w), [x, y]):
        ours, theirs = kerax.utils.unpack_x_y_sample_weight(data), k.utils.unpack_x_y_sample_weight(data)
        assert [o is t for o, t in zip(ours, theirs)] == [True, True, True]
    with pytest.raises(ValueError):
        kerax.utils.unpack_x_y_sample_weight((x, y, w, w))


def test_split_dataset_splits_arrays_and_tuples():
    x, y = np.arange(10), np.arange(10) * 10
    (left_x, left_y), (right_x, right_y) = kerax.utils.split_dataset((x, y), left_size=0.7)
    assert left_x.tolist() == list(range(7)) and right_y.tolist() == [70, 80, 90]
    left, right = kerax.utils.split_dataset(x, right_size=3, shuffle=True, seed=1)
    assert len(left) == 7 and len(right) == 3 and sorted(np.concatenate([left, right]).tolist()) == list(range(10))
    with pytest.raises(ValueError, match="left_size"):
        kerax.utils.split_dataset(x, left_size=1.5)


class Batches(kerax.utils.PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.epochs_seen = 0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        x = np.full((4, 2), index, "float32")
        return x, x.sum(axis=1, keepdims=True)

    def on_epoch_end(self):
        self.epochs_seen += 1


def test_a_py_dataset_trains_a_model():
    data = Batches(workers=2)
    assert data.num_batches == 3 and data.workers == 2 and len(list(data)) == 3
    assert kerax.utils.Sequence is kerax.utils.PyDataset
    model = kerax.Sequential([kerax.Input((2,)), kerax.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and data.epochs_seen == 2


def test_progbar_averages_values_and_writes_keras_style_lines(capsys):
    def draw(library):
        bar = library.utils.Progbar(6, verbose=1, stateful_metrics=["acc"])
        bar.update(2, values=[("loss", 1.0), ("acc", 0.5)])
        bar.add(2, values=[("loss", 0.0), ("acc", 0.9)])  # drawn at once only if 0.05 s went by
        bar.add(2, values=[("loss", 0.25), ("acc", 0.7)])  # final: its own values, not averages
        return [line.rstrip("\b") for line in capsys.readouterr().out.split("\r")][1:]

    ours, theirs = draw(kerax), draw(keras())
    masked = [re.sub(r"\d+(us|ms|s)/step", "T", line) for line in (ours[0], ours[-1], theirs[0], theirs[-1])]
    assert masked[:2] == masked[2:]
    assert "loss: 0.2500 - acc: 0.7000" in ours[-1] and "loss: 1.0000 - acc: 0.5000" in ours[0]
    kerax.utils.disable_interactive_logging()
    try:
        quiet = kerax.utils.Progbar(2, verbose=1)
        quiet.update(2, values=[("loss", 1.0)])
        assert capsys.readouterr().out == ""
    finally:
        kerax.utils.enable_interactive_logging()


def _two_branch_model():
    inputs = kerax.Input((4,), name="features")
    a = kerax.layers.Dense(3, name="left")(inputs)
    b = kerax.layers.Dense(3, activation="relu", name="right")(inputs)
    return kerax.Model(inputs, kerax.layers.Add(name="join")([a, b]), name="branches")


def test_model_to_dot_has_every_layer_and_edge():
    dot = kerax.utils.model_to_dot(_two_branch_model(), show_shapes=True, show_layer_activations=True).to_string()
    assert dot.startswith('digraph "branches"')
    for name in ("features", "left", "right", "join", "(None, 4)", "activation: relu"):
        assert name in dot
    assert dot.count("->") == 4  # features -> left, right; left, right -> join


def test_plot_model_writes_dot_and_needs_graphviz_only_for_images(tmp_path):
    target = tmp_path / "model.dot"
    kerax.utils.plot_model(_two_branch_model(), str(target), show_shapes=True)
    text = target.read_text()
    assert "digraph" in text and "join" in text
    assert [p.name for p in tmp_path.iterdir()] == ["model.dot"]  # no temporary file left behind
    png = tmp_path / "model.png"
    if shutil.which("dot"):
        kerax.utils.plot_model(_two_branch_model(), str(png))
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        with pytest.raises(ImportError, match="Graphviz"):
            kerax.utils.plot_model(_two_branch_model(), str(png))
        assert not png.exists()


def test_get_file_uses_the_keras_cache_and_fails_offline_with_the_place_to_put_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    cached = tmp_path / "home" / "datasets" / "data.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"cached")
    assert kerax.utils.get_file("data.npz", origin="http://127.0.0.1:9/data.npz") == str(cached)
    with pytest.raises(OSError, match=r"place it at .*home/datasets/other\.npz"):
        kerax.utils.get_file("other.npz", origin="http://127.0.0.1:9/other.npz")
    assert not (cached.parent / "other.npz").exists()
    with pytest.raises(ValueError, match="hash"):
        kerax.utils.get_file("data.npz", origin="file://" + str(cached), file_hash="0" * 64)


def test_get_file_downloads_and_extracts_an_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    archive = tmp_path / "src.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        payload = b"hello"
        info = tarfile.TarInfo("folder/a.txt")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    path = kerax.utils.get_file("src.tar.gz", origin="file://" + str(archive), extract=True)
    assert path == str(tmp_path / "home" / "datasets" / "src_extracted")
    assert open(os.path.join(path, "folder", "a.txt")).read() == "hello"


def test_config_and_source_inputs():
    config = kerax.utils.Config(a=1)
    config.b = 2
    config["c"] = 3
    assert config.as_dict() == {"a": 1, "b": 2, "c": 3} and "b" in config and len(config) == 3
    config.freeze()
    with pytest.raises(AttributeError, match="frozen"):
        config.d = 4
    with pytest.raises(AttributeError, match="Unknown"):
        config.missing  # noqa: B018
    inputs = [kerax.Input((2,), name="p"), kerax.Input((2,), name="q")]
    out = kerax.layers.Dense(1)(kerax.layers.Concatenate()(inputs))
    assert kerax.utils.get_source_inputs(out) == inputs


def test_timeseries_windows():
    data = np.arange(10)
    windows = kerax.utils.timeseries_dataset_from_array(data, np.arange(10) * 100, sequence_length=3, batch_size=4)
    assert len(windows) == 2
    x, y = windows[0]
    assert x.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]] and y.tolist() == [0, 100, 200, 300]
    assert windows[1][0].tolist() == [[4, 5, 6], [5, 6, 7], [6, 7, 8], [7, 8, 9]]


def test_serialization_helpers_are_the_saving_modules():
    for name in ("CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
                 "get_registered_object", "register_keras_serializable", "serialize_keras_object",
                 "deserialize_keras_object"):
        assert getattr(kerax.utils, name) is getattr(kerax.saving, name), name
