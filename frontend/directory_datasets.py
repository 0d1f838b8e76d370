"""`keras.utils.image_dataset_from_directory`, `text_dataset_from_directory` and
`audio_dataset_from_directory` without tf.data: the files are found, labelled, ordered and split
exactly as Keras's `index_directory` does (same seed, same order), read into NumPy arrays and
served as a `PyDataset` of batches that fit() takes.

One class per subfolder (`labels="inferred"`), classes in alphanumeric order:

    main_directory/
        class_a/ a_1.txt a_2.txt
        class_b/ b_1.txt

>>> train = kerax.utils.text_dataset_from_directory("main_directory", batch_size=2)  # doctest: +SKIP
>>> train.class_names  # doctest: +SKIP
['class_a', 'class_b']
"""
from __future__ import annotations

import os
import wave

import numpy as np

from .data_utils import PyDataset

__all__ = ["audio_dataset_from_directory", "image_dataset_from_directory", "text_dataset_from_directory"]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_LABEL_MODES = ("int", "categorical", "binary", None)


class ArrayBatches(PyDataset):
    """Batches of in-memory arrays: item `i` is `x[i*b:(i+1)*b]` (and the same rows of `y`).
    `batch_size=None` serves one sample per item, as an unbatched Keras dataset does.

    >>> len(ArrayBatches(np.zeros((5, 2)), np.zeros(5), batch_size=2))
    3
    """

    def __init__(self, x, y=None, batch_size: int | None = 32, class_names=None, file_paths=None):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.class_names, self.file_paths = class_names, file_paths

    def __len__(self) -> int:
        return len(self.x) if self.batch_size is None else -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        rows = index if self.batch_size is None else slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows] if self.y is None else (self.x[rows], self.y[rows])


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False):
    """(file_paths, integer labels or None, class_names), in Keras's order: classes sorted (or
    as `class_names` gives them), files walked in sorted order, then shuffled by
    `np.random.RandomState(seed)` when `shuffle`."""
    if not os.path.isdir(directory):
        raise ValueError(f"`directory` must be an existing folder, received {directory!r}")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("`class_names` is only valid with labels='inferred'; received labels="
                             f"{'None' if labels is None else 'a list'} and class_names={class_names}")
        subdirs = [""]
    paths, found = [], []
    for index, subdir in enumerate(subdirs):
        root_dir = os.path.join(directory, subdir)
        for root, _, files in sorted(os.walk(root_dir, followlinks=follow_links), key=lambda entry: entry[0]):
            for name in sorted(files):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(root, name))
                    found.append(index)
    if labels == "inferred":
        labels, names = np.asarray(found, "int32"), list(subdirs)
    elif labels is None:
        names = None
    else:
        if len(labels) != len(paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target directory. "
                             f"len(labels) is {len(labels)} while we found {len(paths)} files in directory {directory}.")
        names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, names


def _split(paths, labels, validation_split, subset):
    """Keras's split: the last `validation_split` of the (shuffled) files are the validation set."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == "training":
        return paths[:-count], None if labels is None else labels[:-count]
    return paths[-count:], None if labels is None else labels[-count:]


def _check(name, labels, label_mode, class_names, validation_split, subset, shuffle, seed):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"{name}: `labels` must be 'inferred', None or a list of integer labels, received {labels!r}")
    if label_mode not in _LABEL_MODES:
        raise ValueError(f"{name}: `label_mode` must be one of {list(_LABEL_MODES)}, received {label_mode!r}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"{name}: `validation_split` must be between 0 and 1, received {validation_split}")
    if (validation_split is None) != (subset is None):
        raise ValueError(f"{name}: `validation_split` and `subset` go together, received validation_split="
                         f"{validation_split} and subset={subset!r}")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f'{name}: `subset` must be "training", "validation" or "both", received {subset!r}')
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{name}: if using `validation_split` and shuffling the data, you must provide a `seed` "
                         "argument, to make sure that there is no overlap between the training and validation subset")
    return labels, label_mode


def _encode(labels, label_mode, num_classes, name):
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError(f'{name}: when passing `label_mode="binary"`, there must be exactly 2 class_names; '
                             f"received {num_classes} classes")
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return None if label_mode is None else labels.astype("int32")


def _datasets(name, read, formats, directory, labels, label_mode, class_names, batch_size, shuffle, seed,
              validation_split, subset, follow_links, verbose):
    """Index, split, read (`read(paths) -> array`) and batch; two data sets for subset="both"."""
    labels, label_mode = _check(name, labels, label_mode, class_names, validation_split, subset, shuffle, seed)
    paths, found, names = index_directory(directory, labels, formats, class_names, shuffle, seed, follow_links)
    if verbose:
        print(f"Found {len(paths)} files" + ("." if found is None else f" belonging to {len(names)} classes."))
    subsets = ["training", "validation"] if subset == "both" else [subset]
    out = []
    for part in subsets:
        part_paths, part_labels = _split(paths, found, validation_split, part)
        if verbose and part is not None:
            print(f"Using {len(part_paths)} files for {part}.")
        y = None if part_labels is None else _encode(part_labels, label_mode, len(names), name)
        out.append(ArrayBatches(read(part_paths), y, batch_size, names, part_paths))
    return out if subset == "both" else out[0]


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """The `.txt` files under `directory` as batches of (strings, labels); `max_length`
    truncates each text to that many characters."""
    def read(paths):
        texts = []
        for path in paths:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            texts.append(text if max_length is None else text[:max_length])
        return np.asarray(texts, dtype=object)

    return _datasets("text_dataset_from_directory", read, (".txt",), directory, labels, label_mode, class_names,
                     batch_size, shuffle, seed, validation_split, subset, follow_links, verbose)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf", verbose=True):
    """The images under `directory` (.bmp .gif .jpeg .jpg .png) as float32 batches of
    `image_size`, resized with `kerax.ops.image.resize(interpolation=...)`."""
    from . import config, ops
    from .misc_utils import img_to_array, load_img

    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}
    if color_mode not in channels:
        raise ValueError(f'image_dataset_from_directory: `color_mode` must be one of {list(channels)}, received '
                         f'{color_mode!r}')
    data_format = config.standardize_data_format(data_format)
    size = tuple(int(d) for d in image_size)

    def read(paths):
        images = np.zeros((len(paths), *size, channels[color_mode]), "float32")
        for i, path in enumerate(paths):
            pixels = img_to_array(load_img(path, color_mode=color_mode), data_format="channels_last")
            images[i] = np.asarray(ops.image.resize(pixels, size, interpolation=interpolation,
                                                    crop_to_aspect_ratio=crop_to_aspect_ratio,
                                                    pad_to_aspect_ratio=pad_to_aspect_ratio,
                                                    data_format="channels_last"))
        return images if data_format == "channels_last" else np.transpose(images, (0, 3, 1, 2))

    return _datasets("image_dataset_from_directory", read, IMAGE_FORMATS, directory, labels, label_mode, class_names,
                     batch_size, shuffle, seed, validation_split, subset, follow_links, verbose)


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True, seed=None,
                                 validation_split=None, subset=None, follow_links=False, verbose=True):
    """The 16-bit PCM `.wav` files under `directory` as float32 batches (samples, time,
    channels) scaled to [-1, 1), zero-padded to the longest clip or cut to
    `output_sequence_length`."""
    if sampling_rate is not None:
        raise ValueError("audio_dataset_from_directory: `sampling_rate` (resampling) is not supported; pass None")
    if ragged:
        raise ValueError("audio_dataset_from_directory: `ragged=True` is not supported (kerax has no ragged tensors)")

    def read(paths):
        clips = []
        for path in paths:
            with wave.open(path, "rb") as f:
                if f.getsampwidth() != 2:
                    raise ValueError(f"audio_dataset_from_directory: {path} is not 16-bit PCM")
                frames = np.frombuffer(f.readframes(f.getnframes()), "<i2").reshape(-1, f.getnchannels())
            clips.append(frames.astype("float32") / 32768.0)
        length = output_sequence_length or max((len(c) for c in clips), default=0)
        out = np.zeros((len(clips), length, clips[0].shape[1] if clips else 1), "float32")
        for i, clip in enumerate(clips):
            out[i, :min(length, len(clip))] = clip[:length]
        return out

    return _datasets("audio_dataset_from_directory", read, (".wav",), directory, labels, label_mode, class_names,
                     batch_size, shuffle, seed, validation_split, subset, follow_links, verbose)
