"""kerax.ops: the operations layers and users write models with (Keras 3's `keras.ops`)."""
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .nn import one_hot  # noqa: F401
from .numpy import *  # noqa: F401,F403
from .numpy import abs, all, any, encode_index, max, min, round, sum  # noqa: F401,A004
from .nn import tanh  # noqa: F401  (the nn and numpy definitions are the same op)
