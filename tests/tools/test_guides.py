"""The guides harness: sections split at `## ` headers, the substitution table, and a run in a
subprocess where one failing section does not stop the next."""
from kerax.tools import guides

GUIDE = '''"""
Title: A tiny guide
"""

"""
## Setup
"""
import numpy as np
import keras
import tensorflow as tf

"""
## Only prose here
"""

"""
## Training on a dataset
"""
(x_train, y_train), _ = keras.datasets.mnist.load_data()
inputs = keras.Input((28, 28))
model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
dataset = tf.data.Dataset.from_tensor_slices((x_train[:256] / 255.0, y_train[:256])).batch(64)
model.fit(dataset, epochs=30, verbose=0)
assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8

"""
## A section that fails
"""
raise RuntimeError("on purpose")

"""
## It still runs
"""
assert keras.__name__ == "kerax", keras.__name__
'''


def test_sections_are_split_at_headers_and_prose_only_ones_are_left_out():
    titles = [title for title, _ in guides.split_sections(GUIDE)]
    assert titles == ["Setup", "Training on a dataset", "A section that fails", "It still runs"]


def test_substitutions_replace_datasets_and_tf_data_and_cap_epochs():
    code = guides.substitute(GUIDE, max_epochs=2)
    assert "keras.datasets" not in code and "_guide_stubs.datasets.mnist.load_data()" in code
    assert "tf = _guide_stubs.tf" in code and "import tensorflow" not in code
    assert "epochs=2" in code and "epochs=30" not in code


def test_a_guide_runs_section_by_section_with_kerax_as_keras(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(GUIDE)
    results = guides.run_guide(path, "kerax", timeout=120, max_epochs=1, workdir=tmp_path / "run")
    assert [r["ok"] for r in results] == [True, True, False, True], results
    assert results[2]["error"] == "RuntimeError: on purpose"
