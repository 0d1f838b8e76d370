"""The op catalogue. Importing this package registers every op."""
from . import attention, conv, elementwise, nn, preprocessing, random, recurrent, reduce, shape  # noqa: F401
