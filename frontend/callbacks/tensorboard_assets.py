"""What the TensorBoard callback writes besides summaries: weights as images, and embeddings for
the Projector, as Keras 3 writes them, without TensorFlow.

Keras's Projector config names a TensorFlow checkpoint tensor, which nothing but TensorFlow reads.
Here each embedding's entry also carries `tensor_path`: a TSV of its current values (the
Projector's own format for tensors outside checkpoints), so the Projector shows it as it is.

    <log_dir>/projector_config.pbtxt                           one `embeddings {}` per Embedding layer
    <log_dir>/train/embeddings/<layer>.tsv                     its latest values, one row per token
    <log_dir>/train/keras_embedding.ckpt-<epoch>.weights.h5    the model's weights (Keras's file)
"""
from __future__ import annotations

import os

import numpy as np

from ...runtime.atomic import atomic_write
from .. import config

IMAGES_PER_WEIGHT = 3  # tf.summary.image's max_outputs, which Keras leaves at its default


def weight_image(value) -> np.ndarray | None:
    """A weight as Keras shows it: [images, height, width, 1], or None when it has no picture
    (a 3-D convolution's kernel). A bias is one column, a Dense kernel one image with its
    longer axis down, a 2-D convolution's kernel one image per output channel."""
    image = np.squeeze(np.asarray(value, dtype=np.float32))
    if image.ndim == 1:
        image = image.reshape(1, image.shape[0], 1, 1)
    elif image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, *image.shape, 1)
    elif image.ndim == 3:
        if config.image_data_format() == "channels_last":
            image = np.transpose(image, (2, 0, 1))  # a kernel per image
        image = image.reshape(*image.shape, 1)
    return image if image.ndim == 4 and image.shape[-1] in (1, 3, 4) else None


def to_pixels(image: np.ndarray) -> np.ndarray:
    """Floats to bytes as tf.summary.image converts them (`convert_image_dtype(saturate=True)`:
    times 255.5, clipped, truncated); tensorboardX would let values outside [0, 1] wrap around."""
    return np.clip(image * 255.5, 0, 255).astype(np.uint8)


def write_weight_images(writer, model, epoch: int) -> None:
    """`<variable path>/image` (and `/image/<i>` for several), as Keras writes them."""
    for variable, value in zip(model.weights, model.get_weights()):
        image = weight_image(value)
        if image is None:
            continue
        image = to_pixels(image)
        tag = f"{variable.path.replace(':', '_')}/image"
        if len(image) == 1:
            writer.add_image(tag, image[0], epoch, dataformats="HWC")
            continue
        for i, one in enumerate(image[:IMAGES_PER_WEIGHT]):
            writer.add_image(f"{tag}/{i}", one, epoch, dataformats="HWC")


def embedding_layers(model) -> list:
    from ..layers.core import Embedding

    return [layer for layer in model.layers if isinstance(layer, Embedding)]


def tsv_path(layer) -> str:
    return os.path.join("train", "embeddings", f"{layer.name}.tsv")


def write_projector_config(log_dir: str, model, metadata) -> None:
    """Keras's `projector_config.pbtxt`, with the TSV of each embedding. `metadata` is one path
    for every Embedding layer or a dict by layer name; a name that is no Embedding layer of the
    model is an error, as in Keras."""
    layers = embedding_layers(model)
    if isinstance(metadata, dict):
        unknown = set(metadata) - {layer.name for layer in layers}
        if unknown:
            raise ValueError("Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                             f"`embeddings_metadata` argument: {sorted(unknown)}")
    entries = []
    for layer in layers:
        rows, columns = layer.embeddings.shape
        entry = [f'  tensor_name: "{layer.embeddings.path}"',
                 f"  tensor_shape: {rows}", f"  tensor_shape: {columns}",
                 f'  tensor_path: "{tsv_path(layer)}"']
        path = metadata if isinstance(metadata, str) else (metadata or {}).get(layer.name)
        if path is not None:
            entry.append(f'  metadata_path: "{path}"')
        entries.append("embeddings {\n" + "\n".join(entry) + "\n}\n")
    os.makedirs(log_dir, exist_ok=True)
    with atomic_write(os.path.join(log_dir, "projector_config.pbtxt"), "w") as f:
        f.write("".join(entries))


def write_embeddings(log_dir: str, model, epoch: int) -> None:
    """The TSV of every Embedding layer, and Keras's weights checkpoint of the epoch."""
    for layer in embedding_layers(model):
        path = os.path.join(log_dir, tsv_path(layer))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_write(path, "w") as f:
            np.savetxt(f, np.asarray(layer.embeddings.numpy(), dtype=np.float32), delimiter="\t", fmt="%.9g")
    model.save_weights(os.path.join(log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5"))
