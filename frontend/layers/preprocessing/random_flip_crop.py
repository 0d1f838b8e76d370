"""RandomFlip and RandomCrop: flips and crops drawn per image (flip) or per batch (crop offset)
from Keras's key stream, so a seeded layer flips and crops as its Keras twin does."""
from __future__ import annotations

from ... import ops
from .image_layer import RandomImageLayer, check_choice
from .resizing import _positive_size

__all__ = ["RandomCrop", "RandomFlip"]

HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL = "horizontal", "vertical", "horizontal_and_vertical"


class RandomFlip(RandomImageLayer):
    """Flips each image left-right and/or top-bottom with probability 1/2 in training.

    >>> RandomFlip("horizontal", seed=1)(np.ones((2, 4, 4, 3), "float32")).shape
    (2, 4, 4, 3)
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        check_choice("RandomFlip", "mode", mode, (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL))
        self.mode = mode

    def call(self, inputs, training=True):
        images = ops.cast(inputs, self.compute_dtype)
        if not training:
            return images
        rank = len(images.shape)
        height_axis, width_axis = self.spatial_axes(rank)
        shape = (None, 1, 1, 1) if rank == 4 else (1, 1, 1)
        flips = ops.less_equal(self.uniform(images, shape), 0.5)
        # One draw per image decides both flips, as in Keras.
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=width_axis), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=height_axis), images)
        return images

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomCrop(RandomImageLayer):
    """In training, crops a (height, width) window at a random offset (one per batch, as Keras);
    images no larger than the window are centre-cropped to its aspect ratio and resized. In
    inference the images pass unchanged, as in Keras.

    >>> RandomCrop(2, 2, seed=1)(np.ones((1, 4, 4, 3), "float32")).shape
    (1, 2, 2, 3)
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height, self.width = _positive_size("RandomCrop", height, width)

    def call(self, inputs, training=True):
        if not training:
            return inputs
        images = ops.cast(inputs, self.compute_dtype)
        axes = self.spatial_axes(len(images.shape))
        height, width = self.known_size(images)
        target = (self.height, self.width)
        if height > self.height and width > self.width:
            top = ops.cast(self.uniform(images, (), 0.0, float(height - self.height + 1)), "int32")
            left = ops.cast(self.uniform(images, (), 0.0, float(width - self.width + 1)), "int32")
            starts = [0] * len(images.shape)
            starts[axes[0]], starts[axes[1]] = top, left
            shape = list(images.shape)
            shape[axes[0]], shape[axes[1]] = target
            return ops.slice(images, starts, shape)
        # As Keras: too small to crop at random, so the centred window of the target's aspect ratio, resized.
        resized = ops.image.resize(images, target, crop_to_aspect_ratio=True, data_format=self.data_format)
        return ops.cast(resized, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
