"""The op catalogue. Importing this package registers every op."""
from . import (arrays, attention, conv, ctc, elementwise, image, linalg, math, nn, opaque, patches,  # noqa: F401
               random, recurrent, reduce, shape, signal, statistics)
