"""The op catalogue. Importing this package registers every op."""
from . import attention, control, conv, elementwise, nn, random, recurrent, reduce, shape  # noqa: F401
