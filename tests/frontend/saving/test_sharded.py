"""Sharded weights (`save_weights("m.weights.json", max_shard_size=...)`): the same files and
index Keras 3 writes, loaded both ways."""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402

@pytest.fixture(autouse=True)
def _fresh_keras_names():
    keras.utils.clear_session(free_memory=False)  # Keras's automatic layer names start again, as kerax's do


SHARD_GB = 700 / 1024 ** 3  # 700 bytes: BatchNormalization's weights span two shards


def _model(K):  # kernels of 512 and 256 bytes, and a one-weight layer (mapped to a name, not a list)
    return K.Sequential([K.Input((8,)), K.layers.Dense(16), K.layers.BatchNormalization(), K.layers.Dense(4),
                         K.layers.Dense(2, use_bias=False)])


def _contents(folder, stem):
    """Per file: each dataset's path, shape and dtype, and each group's attributes."""
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.startswith(stem + "_"):
            items = {}
            with h5py.File(os.path.join(folder, name), "r") as f:
                f.visititems(lambda path, obj: items.__setitem__(
                    path, (obj.shape, str(obj.dtype)) if isinstance(obj, h5py.Dataset) else dict(obj.attrs)))
            out[name] = items
    return out


def test_kerax_writes_the_shards_and_index_keras_writes_and_each_loads_the_others(tmp_path):
    by_keras, by_kerax = _model(keras), _model(kerax)
    weights = [np.random.default_rng(i).standard_normal(w.shape).astype("float32") + 1
               for i, w in enumerate(by_keras.get_weights())]
    by_keras.set_weights(weights)
    by_kerax.set_weights(weights)
    (tmp_path / "keras").mkdir()
    (tmp_path / "kerax").mkdir()
    by_keras.save_weights(tmp_path / "keras" / "m.weights.json", max_shard_size=SHARD_GB)
    by_kerax.save_weights(tmp_path / "kerax" / "m.weights.json", max_shard_size=SHARD_GB)

    index = json.loads((tmp_path / "kerax" / "m.weights.json").read_text())
    assert index == json.loads((tmp_path / "keras" / "m.weights.json").read_text())
    files = {f for v in index["weight_map"].values() for f in ([v] if isinstance(v, str) else v)}
    assert files == {"m_00000.weights.h5", "m_00001.weights.h5"}
    assert len(index["weight_map"]["/layers/batch_normalization/vars"]) == 2  # a group split over two shards
    assert _contents(tmp_path / "kerax", "m") == _contents(tmp_path / "keras", "m")

    x = np.random.default_rng(9).standard_normal((3, 8)).astype("float32")
    expected = by_keras.predict(x, verbose=0)
    fresh_kerax, fresh_keras = _model(kerax), _model(keras)
    fresh_kerax.load_weights(tmp_path / "keras" / "m.weights.json")
    fresh_keras.load_weights(tmp_path / "kerax" / "m.weights.json")
    np.testing.assert_allclose(fresh_kerax.predict(x, verbose=0), expected, atol=1e-5)
    np.testing.assert_allclose(fresh_keras.predict(x, verbose=0), expected, atol=1e-5)
    by_kerax.set_weights([w * 0 for w in weights])
    by_kerax.load_weights(tmp_path / "kerax" / "m.weights.json")  # kerax reads its own back
    for got, want in zip(by_kerax.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


def test_a_weights_h5_name_becomes_the_json_index_with_a_warning(tmp_path):
    model = _model(kerax)
    with pytest.warns(UserWarning, match="renamed to .*m.weights.json"):
        model.save_weights(tmp_path / "m.weights.h5", max_shard_size=1)
    written = {n for n in os.listdir(tmp_path) if n.startswith("m")}
    assert written == {"m.weights.json", "m_00000.weights.h5"}


def test_a_weight_larger_than_a_shard_is_refused_naming_the_sizes(tmp_path):
    with pytest.raises(ValueError, match=r"The size of 0 is 512.00 B which exceeds the maximum shard size 100.00 B"):
        _model(kerax).save_weights(tmp_path / "m.weights.json", max_shard_size=100 / 1024 ** 3)
    assert not (tmp_path / "m.weights.json").exists()


@pytest.mark.parametrize("name", ["../elsewhere.weights.h5", "/etc/passwd", 7, ""])
def test_an_index_naming_files_outside_its_folder_is_refused(tmp_path, name):
    model = _model(kerax)
    model.save_weights(tmp_path / "m.weights.json", max_shard_size=1)
    index = json.loads((tmp_path / "m.weights.json").read_text())
    index["weight_map"]["/layers/dense/vars"] = name
    (tmp_path / "m.weights.json").write_text(json.dumps(index))
    with pytest.raises(kerax.saving.SavingError, match="Invalid shard file name") as info:
        model.load_weights(tmp_path / "m.weights.json")
    assert info.value.file == os.fspath(tmp_path / "m.weights.json")


def test_a_missing_shard_is_a_saving_error_naming_it(tmp_path):
    model = _model(kerax)
    model.save_weights(tmp_path / "m.weights.json", max_shard_size=SHARD_GB)
    os.unlink(tmp_path / "m_00001.weights.h5")
    with pytest.raises(kerax.saving.SavingError, match="m_00001.weights.h5"):
        model.load_weights(tmp_path / "m.weights.json")


class _Killed(BaseException):
    pass


def _cut_after(monkeypatch, files: int):
    """Make the next sharded save stop, as a kill would, before its `files`-th file write (or,
    past its last, before it removes the old save's files)."""
    from kerax.frontend.saving import sharded_h5

    real, calls = sharded_h5.atomic_write, []
    monkeypatch.setattr(sharded_h5, "_remove_unnamed", lambda *args: (_ for _ in ()).throw(_Killed("cleanup")))

    def write(path, mode="wb"):
        calls.append(path)
        if len(calls) > files:
            raise _Killed(path)
        return real(path, mode)

    monkeypatch.setattr(sharded_h5, "atomic_write", write)
    return calls


def _version_loaded(K, index):
    model = _model(K)
    model.load_weights(index)
    found = {float(v) for w in model.get_weights() for v in np.unique(w)}
    assert len(found) == 1, f"{K.__name__} loaded a mix of saves: {sorted(found)}"
    return found.pop()


@pytest.mark.parametrize("files", [0, 1, 2, 3, 4])
def test_a_save_stopped_between_any_two_files_leaves_the_old_or_the_new_weights(tmp_path, monkeypatch, files):
    """Old index, new shards: never. Each state a kill can leave, between the files that a
    sharded save writes, loads whole, in kerax and in Keras: the old save or the new one."""
    index = tmp_path / "m.weights.json"
    model = _model(kerax)
    model.set_weights([np.full(w.shape, 1.0, w.dtype) for w in model.get_weights()])
    model.save_weights(index, max_shard_size=SHARD_GB)
    model.set_weights([np.full(w.shape, 2.0, w.dtype) for w in model.get_weights()])
    calls = _cut_after(monkeypatch, files)
    with pytest.raises(_Killed):
        model.save_weights(index, max_shard_size=SHARD_GB)
    assert _version_loaded(kerax, index) == _version_loaded(keras, index)
    # files: the old index renaming the old shards, the two new shards, the new index
    assert _version_loaded(kerax, index) == (2.0 if files == 4 else 1.0)
    assert [os.path.basename(c) for c in calls[1:]] == ["m_00000.weights.h5", "m_00001.weights.h5",
                                                        "m.weights.json"][:len(calls) - 1]
    monkeypatch.undo()
    model.save_weights(index, max_shard_size=SHARD_GB)  # the next save leaves only its own files
    assert sorted(os.listdir(tmp_path)) == ["m.weights.json", "m_00000.weights.h5", "m_00001.weights.h5"]
    assert _version_loaded(keras, index) == 2.0


def test_a_smaller_save_removes_the_shards_of_the_larger_one(tmp_path):
    index = tmp_path / "m.weights.json"
    _model(kerax).save_weights(index, max_shard_size=SHARD_GB)
    assert len(os.listdir(tmp_path)) == 3
    _model(kerax).save_weights(index, max_shard_size=1)
    assert sorted(os.listdir(tmp_path)) == ["m.weights.json", "m_00000.weights.h5"]


def test_a_save_removes_only_shard_files_whatever_the_old_index_names(tmp_path):
    index = tmp_path / "m.weights.json"
    _model(kerax).save_weights(index, max_shard_size=1)
    (tmp_path / "notes.txt").write_text("mine")
    config = json.loads(index.read_text())
    config["weight_map"]["/layers/dense/vars"] = "notes.txt"
    index.write_text(json.dumps(config))
    _model(kerax).save_weights(index, max_shard_size=1)
    assert (tmp_path / "notes.txt").read_text() == "mine"
