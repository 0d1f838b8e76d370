"""`keras.preprocessing`: the legacy home of the data-set builders and image helpers (the same
functions as in `kerax.utils`), with `image.smart_resize` and `sequence.pad_sequences`.

>>> kerax.preprocessing.image.smart_resize(np.ones((4, 6, 3)), (2, 2)).shape
(2, 2, 3)
"""
from __future__ import annotations

import types

import numpy as np

from .data_utils import pad_sequences
from .directory_datasets import image_dataset_from_directory, text_dataset_from_directory
from .misc_utils import array_to_img, img_to_array, load_img, save_img, timeseries_dataset_from_array

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize images to `size` (height, width) without distorting them: the centred window of
    the target's aspect ratio is cropped first, then resized, as Keras's `smart_resize`."""
    from . import ops

    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    img = ops.convert_to_tensor(x)
    if not 3 <= len(img.shape) <= 4:
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or `(batch_size, height, "
                         f"width, channels)`, but got input with incorrect rank, of shape {img.shape}.")
    height, width = img.shape[-3:-1] if data_format == "channels_last" else img.shape[-2:]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
    rows, cols = slice(top, top + crop_height), slice(left, left + crop_width)
    img = img[..., rows, cols, :] if data_format == "channels_last" else img[..., rows, cols]
    out = ops.image.resize(img, size, interpolation=interpolation, data_format=data_format)
    return np.array(out) if isinstance(x, np.ndarray) else out


image = types.ModuleType("kerax.preprocessing.image", "keras.preprocessing.image: image file helpers.")
image.__dict__.update(array_to_img=array_to_img, img_to_array=img_to_array, load_img=load_img, save_img=save_img,
                      smart_resize=smart_resize)
sequence = types.ModuleType("kerax.preprocessing.sequence", "keras.preprocessing.sequence: pad_sequences.")
sequence.pad_sequences = pad_sequences
