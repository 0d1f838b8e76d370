"""The op catalogue. Importing this package registers every op."""
from . import (arrays, attention, conv, elementwise, image, linalg, math, nn, random, recurrent, reduce, shape,
               patches, signal, statistics)  # noqa: F401
