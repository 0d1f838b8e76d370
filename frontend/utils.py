"""kerax.utils: Keras 3's `keras.utils` — seeding and session state, data helpers, the
progress bar, plotting a model, downloading files, and a few conversions.

>>> kerax.utils.to_categorical([0, 2], 3).shape
(2, 3)
"""
from __future__ import annotations

from .backend import clear_session, is_keras_tensor, standardize_dtype  # noqa: F401
from .config_flags import (disable_interactive_logging, enable_interactive_logging,  # noqa: F401
                           is_interactive_logging_enabled)
from .data_utils import (PyDataset, Sequence, normalize, pack_x_y_sample_weight, pad_sequences,  # noqa: F401
                         split_dataset, to_categorical, unpack_x_y_sample_weight)
from .directory_datasets import (audio_dataset_from_directory, image_dataset_from_directory,  # noqa: F401
                                 text_dataset_from_directory)
from .file_utils import get_file  # noqa: F401
from .misc_utils import (Config, array_to_img, get_source_inputs, img_to_array, load_img, save_img,  # noqa: F401
                         timeseries_dataset_from_array)
from .plot import model_to_dot, plot_model  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .random import set_random_seed  # noqa: F401
from .saving import (CustomObjectScope, custom_object_scope, deserialize_keras_object,  # noqa: F401
                     get_custom_objects, get_registered_name, get_registered_object, register_keras_serializable,
                     serialize_keras_object)
