"""`save_assets`/`load_assets`: a layer's files travel in the `.keras` archive under
`assets/<layer path>/`, both ways between kerax and Keras 3 (the Keras guide's example)."""
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402
from kerax.frontend.saving.assets import load_assets  # noqa: E402


def _vocabulary_layer(K):
    class LayerWithCustomAssets(K.layers.Dense):
        def __init__(self, vocab=None, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.vocab = vocab

        def save_assets(self, inner_path):
            with open(os.path.join(inner_path, "vocabulary.txt"), "w") as f:
                f.write(self.vocab)

        def load_assets(self, inner_path):
            with open(os.path.join(inner_path, "vocabulary.txt")) as f:
                self.vocab = f.read().replace("<unk>", "little")

    return LayerWithCustomAssets


@pytest.mark.parametrize("writer, reader", [(kerax, keras), (keras, kerax)])
def test_assets_travel_in_the_archive_both_ways(tmp_path, writer, reader):
    path = os.fspath(tmp_path / "m.keras")
    model = writer.Sequential([_vocabulary_layer(writer)(vocab="Mary had a <unk> lamb.", units=5)])
    model(np.zeros((2, 10), np.float32))
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("assets/layers/layer_with_custom_assets/vocabulary.txt") == b"Mary had a <unk> lamb."
    layer = _vocabulary_layer(reader)
    restored = reader.models.load_model(path, custom_objects={"LayerWithCustomAssets": layer})
    assert restored.layers[0].vocab == "Mary had a little lamb."


@pytest.mark.parametrize("name", ["assets/../escape.txt", "assets//x", "assets/a\\..\\b"])
def test_asset_paths_that_leave_the_folder_are_refused(name):
    owner = _vocabulary_layer(kerax)(units=1)
    with pytest.raises(kerax.saving.SavingError, match="Unsafe asset path"):
        load_assets([("", owner)], {name: b"x"}, "m.keras")
