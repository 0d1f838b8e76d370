"""kerax.layers: the Keras 3 layers."""
from .core import Activation, Dense, Dropout, Embedding, Flatten, Identity, Reshape
from .input_layer import Input, InputLayer
from .input_spec import InputSpec
from .layer import Layer
from .serialize import deserialize, serialize
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .normalization_extra import GroupNormalization, UnitNormalization
from .activation_layers import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .convolutional import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .preprocessing import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
