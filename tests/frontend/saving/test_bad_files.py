"""Bad files get clear errors: a kerax SavingError naming the file, the path inside it, what
was expected and what was found; and a fuzz over more than a thousand mutated files (truncated,
flipped bytes, edited JSON, swapped H5 datasets) where every failure is a SavingError."""
import io
import json
import os
import random
import zipfile

import h5py
import numpy as np
import pytest

import kerax
from kerax.saving import SavingError


def _model():
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(4, activation="relu"), kerax.layers.Dense(2)])
    model.compile("adam", "mse")
    return model


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    model = _model()
    model.train_on_batch(np.ones((2, 3), "float32"), np.ones((2, 2), "float32"))
    model.save(folder / "m.keras")
    model.save_weights(folder / "m.weights.h5")
    return (folder / "m.keras").read_bytes(), (folder / "m.weights.h5").read_bytes()


def _rezip(original: bytes, replace: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, replace.get(name, src.read(name)))
    return out.getvalue()


def _edit_h5(original: bytes, edit) -> bytes:
    buffer = io.BytesIO(original)
    with h5py.File(buffer, "a") as f:
        edit(f)
    return buffer.getvalue()


def test_missing_file_and_wrong_extension(tmp_path):
    with pytest.raises(SavingError, match="No such file"):
        kerax.models.load_model(tmp_path / "none.keras")
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(ValueError, match="File format not supported"):
        kerax.models.load_model(tmp_path / "m.txt")


def test_truncated_zip(files, tmp_path):
    path = tmp_path / "t.keras"
    path.write_bytes(files[0][: len(files[0]) // 2])
    with pytest.raises(SavingError, match="t.keras") as info:
        kerax.models.load_model(path)
    assert info.value.file == os.fspath(path) and info.value.expected


def test_newer_format(files, tmp_path):
    path = tmp_path / "new.keras"
    path.write_bytes(_rezip(files[0], {"metadata.json": json.dumps({"keras_version": "4.0.0"})}))
    with pytest.raises(SavingError, match=r"newer.*metadata.json.*expected keras_version 3.x, found 4.0.0"):
        kerax.models.load_model(path)


def test_unknown_class_names_layer(files, tmp_path):
    config = json.loads(zipfile.ZipFile(io.BytesIO(files[0])).read("config.json"))
    layer = config["config"]["layers"][2]
    layer["class_name"] = "FancyDense"
    path = tmp_path / "u.keras"
    path.write_bytes(_rezip(files[0], {"config.json": json.dumps(config)}))
    # the layer's name depends on how many Dense layers this process made before the fixture
    where = f"at '{config['config']['name']}/{layer['config']['name']}'"
    with pytest.raises(SavingError, match=rf"u.keras: Unknown class 'FancyDense'.*{where}"):
        kerax.models.load_model(path)


def test_missing_weight_and_shape_and_count(files, tmp_path):
    model = _model()
    cases = {
        "missing": (lambda f: f.__delitem__("layers/dense/vars/1"), r"Wrong number of weights.*layers/dense/vars.*expected 2, found 1"),
        "shape": (lambda f: (f.__delitem__("layers/dense_1/vars/0"),
                             f.create_dataset("layers/dense_1/vars/0", data=np.zeros((5, 2), "float32"))),
                  r"Shape mismatch.*layers/dense_1/vars/0.*expected \(4, 2\), found \(5, 2\)"),
        "group": (lambda f: f.__delitem__("layers/dense_1"), r"Missing.*layers/dense_1/vars.*found nothing"),
        "count": (lambda f: f.create_dataset("layers/dense/vars/2", data=np.zeros(3)), r"expected 2, found 3"),
    }
    for name, (edit, message) in cases.items():
        path = tmp_path / f"{name}.weights.h5"
        path.write_bytes(_edit_h5(files[1], edit))
        with pytest.raises(SavingError, match=message) as info:
            model.load_weights(path)
        assert info.value.file == os.fspath(path)


# -- the fuzz ------------------------------------------------------------------------------------------------
_ODD_VALUES = [None, -1, 0, 2, 3.5, "x", "Dense", [], [1, 2], {}, {"class_name": "Nope"}, True, 10 ** 30]


def _json_edit(rng: random.Random, value):
    """One random edit somewhere in a JSON tree: delete a key, replace a value, rename a class."""
    def nodes(v, path=()):
        yield path, v
        items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
        for k, child in items:
            yield from nodes(child, (*path, k))

    found = list(nodes(value))
    path, _ = rng.choice(found[1:])
    parent = value
    for k in path[:-1]:
        parent = parent[k]
    kind = rng.random()
    if kind < 0.3 and isinstance(parent, dict):
        del parent[path[-1]]
    elif kind < 0.4 and path[-1] == "class_name":
        parent[path[-1]] = rng.choice(["Dense", "Conv2D", "Sequential", "__tuple__", "__lambda__", "Unknown"])
    else:
        parent[path[-1]] = rng.choice(_ODD_VALUES)
    return value


def _swap_h5(rng: random.Random, f: h5py.File):
    datasets = []
    f.visititems(lambda n, o: datasets.append(n) if isinstance(o, h5py.Dataset) else None)
    a, b = rng.sample(datasets, 2)
    kind = rng.random()
    if kind < 0.5:
        data_a, data_b = f[a][()], f[b][()]
        del f[a], f[b]
        f[a], f[b] = data_b, data_a
    elif kind < 0.7:
        del f[a]
        f[a] = np.array(["not a number"], dtype="S12")
    elif kind < 0.85:
        f.move(a.rsplit("/", 1)[0], a.rsplit("/", 1)[0] + "_moved")
    else:
        del f[a]
        f[a] = h5py.SoftLink("/" + b)


def _flip(rng: random.Random, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return bytes(data)


def _mutants(files, rng: random.Random, count: int):
    keras_bytes, h5_bytes = files
    config = zipfile.ZipFile(io.BytesIO(keras_bytes)).read("config.json")
    for i in range(count):
        kind = i % 6
        if kind == 0:
            yield "keras", keras_bytes[: rng.randrange(len(keras_bytes))]
        elif kind == 1:
            yield "keras", _flip(rng, keras_bytes)
        elif kind == 2:
            yield "keras", _rezip(keras_bytes, {"config.json": json.dumps(_json_edit(rng, json.loads(config)))})
        elif kind == 3:
            yield "h5", h5_bytes[: rng.randrange(len(h5_bytes))]
        elif kind == 4:
            yield "h5", _flip(rng, h5_bytes)
        else:
            yield "h5", _edit_h5(h5_bytes, lambda f: _swap_h5(rng, f))


def test_fuzz_every_failure_is_a_saving_error(files, tmp_path):
    rng = random.Random(8)
    target = _model()
    failures = loaded = 0
    for i, (kind, data) in enumerate(_mutants(files, rng, 1200)):
        path = tmp_path / (f"f{i}.keras" if kind == "keras" else f"f{i}.weights.h5")
        path.write_bytes(data)
        try:
            if kind == "keras":
                kerax.models.load_model(path, compile=i % 2 == 0)
            else:
                target.load_weights(path)
            loaded += 1
        except SavingError as e:
            assert e.file is not None and os.fspath(path) in str(e), str(e)
            failures += 1
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"mutant {i} ({kind}) raised {type(e).__name__}, not SavingError: {e}")
        path.unlink()
    assert failures + loaded == 1200 and failures > 600
