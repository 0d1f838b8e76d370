"""kerax.ops: the operations layers and users write models with (Keras 3's `keras.ops`).

`kerax.ops.numpy`, `.nn`, `.linalg`, `.image` and `.core` hold Keras's groups; every name is
also here at the top, as in Keras.
"""
from .nn import *  # noqa: F401,F403  (first: nn re-exports conv and attention, which import it)
from .nn import one_hot, tanh  # noqa: F401  (the nn and numpy definitions are the same op)
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .numpy import *  # noqa: F401,F403
from .numpy import abs, all, any, encode_index, max, min, round, sum  # noqa: F401,A004
from .numpy_arrays import ndim, size  # noqa: F401
from .numpy_math import copy  # noqa: F401
from . import core, image, linalg, nn, numpy  # noqa: F401
from .core import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .rearrange import rearrange  # noqa: F401
