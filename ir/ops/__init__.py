"""The op catalogue. Importing this package registers every op."""
from . import (arrays, attention, conv, ctc, elementwise, image, linalg, math, nn, patches, random,  # noqa: F401
               recurrent, reduce, shape, signal, statistics)
