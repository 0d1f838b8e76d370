"""Where the data sets come from. Files live in Keras's cache, `$KERAS_HOME/datasets` (else
`~/.keras/datasets`), under Keras's file names, so a cache that Keras filled serves kerax and the
other way round; kerax.utils.get_file finds them there, or downloads them from Keras's origins
(checked against Keras's hashes, written atomically), or says offline which file to put where."""
from ..file_utils import get_file

__all__ = ["KERAS_DATASETS", "get_file"]

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
