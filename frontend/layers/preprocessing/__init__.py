"""Keras 3's preprocessing layers.

Image and numeric layers (Rescaling, Resizing, CenterCrop, the Random* augmentations,
Normalization, Discretization, CategoryEncoding) are IR ops inside a model, compiled with it.
String layers (StringLookup, TextVectorization, Hashing of strings) work on NumPy string arrays
on the host, outside the compiled program, as Keras's JAX backend also runs them: call them on
the data before `fit`, or map a dataset with them.
"""
from .category_encoding import CategoryEncoding
from .core_layers import Lambda, Rescaling
from .discretization import Discretization
from .hashing import Hashing
from .lookup import IntegerLookup, StringLookup
from .normalization import Normalization
from .random_affine import RandomRotation, RandomTranslation, RandomZoom
from .random_contrast import RandomContrast
from .random_flip_crop import RandomCrop, RandomFlip
from .resizing import CenterCrop, Resizing
from .text_vectorization import TextVectorization

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Lambda", "Normalization",
           "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom",
           "Rescaling", "Resizing", "StringLookup", "TextVectorization"]
