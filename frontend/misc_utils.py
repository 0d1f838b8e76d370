"""Small keras.utils helpers: Config (an attribute dict that can be frozen), get_source_inputs,
image arrays to/from PIL images, and timeseries windows.

>>> config = Config(learning_rate=0.1)
>>> config.learning_rate
0.1
"""
from __future__ import annotations

import numpy as np

from . import config as kerax_config

__all__ = ["Config", "get_source_inputs", "array_to_img", "img_to_array", "load_img", "save_img",
           "timeseries_dataset_from_array"]


class Config:
    """Settings read and written as attributes or items; `freeze()` makes them read-only.

    >>> c = Config(a=1); c.b = 2; c.freeze()
    >>> c.as_dict()
    {'a': 1, 'b': 2}
    """

    __attrs__ = None

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self):
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    def _check(self):
        if self._frozen:
            raise AttributeError("Cannot add or change a setting of a frozen Config; call unfreeze() first")

    def __getattr__(self, name):
        try:
            return self.__dict__["_config"][name]
        except KeyError:
            raise AttributeError(f"Unknown setting: '{name}'") from None

    def __setattr__(self, name, value):
        self._check()
        self._config[name] = value

    def __delattr__(self, name):
        self._check()
        del self._config[name]

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self.__setattr__(key, value)

    def __delitem__(self, key):
        self.__delattr__(key)

    def __contains__(self, item):
        return item in self._config

    def __len__(self):
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def pop(self, *args):
        self._check()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check()
        return self._config.update(*args, **kwargs)

    def as_dict(self) -> dict:
        return dict(self._config)

    def to_json(self) -> str:
        import json

        return json.dumps(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"


def get_source_inputs(tensor):
    """The Input tensors a functional-API tensor is computed from."""
    from .keras_tensor import KerasTensor

    if not isinstance(tensor, KerasTensor) or tensor._keras_history is None:
        return [tensor]
    sources, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if not node.input_tensors:
            if id(t) not in seen:
                seen.add(id(t))
                sources.append(t)
            continue
        stack.extend(reversed(node.input_tensors))
    return sources


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Images need the Pillow package (`pip install pillow`), which is not installed") from None
    return Image


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or array) as a float array (height, width, channels), or channels first."""
    data_format = kerax_config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or kerax_config.floatx())
    if x.ndim == 2:
        x = x[..., None]
    elif x.ndim != 3:
        raise ValueError(f"kerax.utils.img_to_array: expected an image of rank 2 or 3, received shape {x.shape}")
    return np.transpose(x, (2, 0, 1)) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A (height, width, channels) array as a PIL image; `scale` maps its range to 0..255."""
    image = _pil()
    data_format = kerax_config.standardize_data_format(data_format)
    x = np.asarray(x, dtype=dtype or kerax_config.floatx())
    if x.ndim != 3:
        raise ValueError(f"kerax.utils.array_to_img: expected an image array of rank 3, received shape {x.shape}")
    if data_format == "channels_first":
        x = np.transpose(x, (1, 2, 0))
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x = x / peak
        x = x * 255
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    if x.shape[2] not in modes:
        raise ValueError(f"kerax.utils.array_to_img: unsupported channel count {x.shape[2]}")
    data = x[:, :, 0] if x.shape[2] == 1 else x
    return image.fromarray(data.astype("uint8"), modes[x.shape[2]])


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """An image file as a PIL image, converted to `color_mode` and resized to target_size (h, w)."""
    image = _pil()
    img = image.open(path)
    img = img.convert({"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[color_mode])
    if target_size is not None and img.size != (target_size[1], target_size[0]):
        img = img.resize((target_size[1], target_size[0]), getattr(image, interpolation.upper()))
    return img


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an image array to a file (written whole or not at all)."""
    from ..runtime.atomic import atomic_write

    img = array_to_img(x, data_format=data_format, scale=scale)
    fmt = file_format or str(path).rsplit(".", 1)[-1].upper().replace("JPG", "JPEG")
    with atomic_write(path, "wb") as f:
        img.save(f, format=fmt, **kwargs)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, batch_size=128,
                                  shuffle=False, seed=None, start_index=None, end_index=None):
    """Sliding windows over `data` as a list of batches (inputs, targets) (Keras returns a
    tf.data Dataset of the same batches); kerax's fit() takes the list's PyDataset form."""
    from .data_utils import PyDataset

    data = np.asarray(data)
    start = start_index or 0
    end = len(data) if end_index is None else end_index
    span = (sequence_length - 1) * sampling_rate
    starts = np.arange(start, end - span, sequence_stride)
    if shuffle:
        np.random.default_rng(seed).shuffle(starts)
    offsets = np.arange(sequence_length) * sampling_rate
    target_array = None if targets is None else np.asarray(targets)
    batches = []
    for lo in range(0, len(starts), batch_size or len(starts)):
        chunk = starts[lo:lo + (batch_size or len(starts))]
        windows = data[chunk[:, None] + offsets]
        batches.append(windows if target_array is None else (windows, target_array[chunk]))

    class Windows(PyDataset):
        def __len__(self):
            return len(batches)

        def __getitem__(self, index):
            return batches[index]

    return Windows()
