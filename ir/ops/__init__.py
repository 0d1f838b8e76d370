"""The op catalogue. Importing this package registers every op."""
from . import (arrays, attention, control, conv, ctc, elementwise, image, linalg, math, nn, opaque,  # noqa: F401
               patches, primitive, random, recurrent, reduce, shape, signal, statistics)
