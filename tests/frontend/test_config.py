"""kerax.config, read from kerax.json as Keras reads keras.json."""
import json
import os

import numpy as np
import pytest

import kerax


@pytest.fixture
def restore_config():
    yield
    kerax.config.set_floatx("float32")
    kerax.config.set_epsilon(1e-7)
    kerax.config.set_image_data_format("channels_last")


def test_reads_kerax_home(tmp_path, monkeypatch, restore_config):
    monkeypatch.setenv("KERAX_HOME", str(tmp_path))
    (tmp_path / "kerax.json").write_text(json.dumps({"floatx": "float16", "epsilon": 1e-5,
                                                     "image_data_format": "channels_first"}))
    kerax.config.load_config()
    assert (kerax.config.floatx(), kerax.config.epsilon(), kerax.config.image_data_format()) == \
        ("float16", 1e-5, "channels_first")
    assert kerax.layers.Dense(2).dtype == "float16"


def test_missing_file_is_written_with_defaults(tmp_path, monkeypatch, restore_config):
    monkeypatch.setenv("KERAX_HOME", str(tmp_path / "fresh"))
    assert kerax.config.load_config()["image_data_format"] == "channels_last"
    assert json.loads((tmp_path / "fresh" / "kerax.json").read_text())["floatx"] == "float32"


def test_home_then_tmp_fallback(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAX_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert kerax.config.config_dir() == os.path.join(str(tmp_path), ".kerax")
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o500)
    monkeypatch.setenv("HOME", str(read_only))
    if os.access(str(read_only), os.W_OK):  # root ignores permissions
        pytest.skip("the home directory stays writable for this user")
    assert kerax.config.config_dir() == "/tmp/.kerax"


def test_bad_values_name_the_setting(tmp_path, monkeypatch, restore_config):
    with pytest.raises(ValueError, match=r"set_image_data_format: expected one of .*received 'channels_middle'"):
        kerax.config.set_image_data_format("channels_middle")
    monkeypatch.setenv("KERAX_HOME", str(tmp_path))
    (tmp_path / "kerax.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        kerax.config.load_config()


def test_channels_first_is_honoured_by_conv_and_pooling(restore_config):
    kerax.config.set_image_data_format("channels_first")
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    conv = kerax.layers.Conv2D(4, 3, padding="same")
    pooled = kerax.layers.MaxPooling2D(2)(conv(x))
    assert conv.data_format == "channels_first" and conv.kernel.shape == (3, 3, 3, 4)
    assert tuple(pooled.shape) == (2, 4, 4, 4)
    kerax.config.set_image_data_format("channels_last")
    explicit = kerax.layers.Conv2D(4, 3, padding="same", data_format="channels_first")
    explicit.build((None, 3, 8, 8))
    explicit.set_weights(conv.get_weights())
    np.testing.assert_allclose(explicit(x), conv(x), rtol=1e-6)
