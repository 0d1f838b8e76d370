"""image/text/audio_dataset_from_directory on small files written here: the files, their order,
labels and splits are Keras's (its `index_directory` and split helpers run without tf.data),
the contents are what the files hold, and fit() takes the result."""
import os
import wave

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest
from keras.src.utils import dataset_utils

import kerax

CLASSES = {"cats": 3, "dogs": 4}


def _texts(root):
    for name, count in CLASSES.items():
        os.makedirs(root / name / "more")
        for i in range(count):
            (root / name / f"{name}_{i}.txt").write_text(f"{name} text number {i}")
        (root / name / "more" / "deep.txt").write_text(f"{name} deep")
        (root / name / "skip.md").write_text("not a text file")
    return str(root)


def _keras_order(directory, formats, validation_split=None, subset=None, seed=7, labels="inferred"):
    paths, found, names = dataset_utils.index_directory(directory, labels, formats, shuffle=True, seed=seed,
                                                         verbose=False)
    if validation_split:
        paths, found = dataset_utils.get_training_or_validation_split(paths, found, validation_split, subset)
    return paths, found, names


def test_text_dataset_matches_keras_order_labels_and_split(tmp_path):
    directory = _texts(tmp_path)
    train, val = kerax.utils.text_dataset_from_directory(directory, batch_size=3, seed=7, validation_split=0.3,
                                                         subset="both", max_length=9, verbose=False)
    for part, subset in ((train, "training"), (val, "validation")):
        paths, found, names = _keras_order(directory, (".txt",), 0.3, subset)
        assert part.file_paths == paths and part.class_names == names == ["cats", "dogs"]
        texts = np.concatenate([part[i][0] for i in range(len(part))])
        labels = np.concatenate([part[i][1] for i in range(len(part))])
        np.testing.assert_array_equal(labels, found)
        assert labels.dtype == np.int32
        assert list(texts) == [open(p).read()[:9] for p in paths]
    assert len(train) == 3 and len(train[2][0]) == 1 and len(train.file_paths) + len(val.file_paths) == 9


def test_label_modes_and_errors_follow_keras(tmp_path):
    directory = _texts(tmp_path)
    data = kerax.utils.text_dataset_from_directory(directory, label_mode="categorical", batch_size=None, seed=1,
                                                   verbose=False)
    _, found, _ = _keras_order(directory, (".txt",), seed=1)
    np.testing.assert_array_equal(np.stack([data[i][1] for i in range(len(data))]), np.eye(2, dtype="float32")[found])
    binary = kerax.utils.text_dataset_from_directory(directory, label_mode="binary", shuffle=False, verbose=False)
    assert binary[0][1].shape == (9, 1) and binary[0][1].dtype == np.float32
    unlabelled = kerax.utils.text_dataset_from_directory(directory, labels=None, shuffle=False, verbose=False)
    assert isinstance(unlabelled[0], np.ndarray) and unlabelled.class_names is None
    with pytest.raises(ValueError, match="seed"):
        kerax.utils.text_dataset_from_directory(directory, validation_split=0.2, subset="training", verbose=False)
    with pytest.raises(ValueError, match="class_names"):
        kerax.utils.text_dataset_from_directory(directory, class_names=["cats", "birds"], verbose=False)
    with pytest.raises(ValueError, match="label_mode"):
        kerax.utils.text_dataset_from_directory(directory, label_mode="sparse", verbose=False)


def test_image_dataset_reads_resizes_and_trains(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = {}
    for name, count in CLASSES.items():
        os.makedirs(tmp_path / name)
        for i in range(count):
            array = rng.integers(0, 256, (6, 6, 3)).astype("uint8")
            path = str(tmp_path / name / f"{i}.png")
            Image.fromarray(array).save(path)
            pixels[path] = array
    data = kerax.utils.image_dataset_from_directory(str(tmp_path), image_size=(6, 6), batch_size=4, seed=3,
                                                    verbose=False)
    paths, found, _ = _keras_order(str(tmp_path), (".bmp", ".gif", ".jpeg", ".jpg", ".png"), seed=3)
    assert data.file_paths == paths
    images = np.concatenate([data[i][0] for i in range(len(data))])
    np.testing.assert_array_equal(images, np.stack([pixels[p] for p in paths]).astype("float32"))
    np.testing.assert_array_equal(np.concatenate([data[i][1] for i in range(len(data))]), found)
    small = kerax.utils.image_dataset_from_directory(str(tmp_path), image_size=(3, 3), color_mode="grayscale",
                                                     shuffle=False, verbose=False)
    assert small[0][0].shape == (7, 3, 3, 1)
    model = kerax.Sequential([kerax.Input((6, 6, 3)), kerax.layers.Rescaling(1 / 255), kerax.layers.Flatten(),
                              kerax.layers.Dense(2)])
    model.compile("sgd", kerax.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_audio_dataset_reads_wav_files_padded_to_the_longest(tmp_path):
    clips = {}
    for name, count in CLASSES.items():
        os.makedirs(tmp_path / name)
        for i in range(count):
            samples = (np.arange(5 + i, dtype="int16") * 1000 - 2000).astype("<i2")
            path = str(tmp_path / name / f"{i}.wav")
            with wave.open(path, "wb") as f:
                f.setnchannels(1), f.setsampwidth(2), f.setframerate(8000)
                f.writeframes(samples.tobytes())
            clips[path] = samples
    data = kerax.utils.audio_dataset_from_directory(str(tmp_path), batch_size=None, seed=5, verbose=False)
    paths, found, _ = _keras_order(str(tmp_path), (".wav",), seed=5)
    assert data.file_paths == paths
    for i, path in enumerate(paths):
        audio, label = data[i]
        assert audio.shape == (8, 1) and label == found[i]
        expected = np.zeros(8, "float32")
        expected[:len(clips[path])] = clips[path] / 32768.0
        np.testing.assert_array_equal(audio[:, 0], expected)


@pytest.mark.parametrize("size,data_format,interpolation", [((3, 3), "channels_last", "bilinear"),
                                                            ((4, 2), "channels_last", "nearest"),
                                                            ((2, 6), "channels_first", "bilinear")])
def test_preprocessing_module_and_smart_resize_match_keras(size, data_format, interpolation):
    import keras

    from kerax.preprocessing.image import smart_resize

    x = np.random.default_rng(0).uniform(0, 255, (2, 7, 5, 3)).astype("float32")
    x = x if data_format == "channels_last" else np.transpose(x, (0, 3, 1, 2))
    ours = smart_resize(x, size, interpolation=interpolation, data_format=data_format)
    theirs = keras.preprocessing.image.smart_resize(x, size, interpolation=interpolation, data_format=data_format)
    assert isinstance(ours, np.ndarray)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    for module in ("", ".image", ".sequence"):
        names = {n for n in dir(eval(f"keras.preprocessing{module}")) if not n.startswith("_")}
        assert names <= set(dir(eval(f"kerax.preprocessing{module}"))) | {"text"}, module
