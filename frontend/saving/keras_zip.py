"""The `.keras` file: a zip of `metadata.json`, `config.json` and `model.weights.h5`, as
Keras 3 writes it. Written to a temporary file beside the target and renamed over it."""
from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

from ...runtime.atomic import atomic_write
from ..initializers import placeholders
from .assets import archived_assets, load_assets, saved_assets
from .errors import SavingError, reading
from .stored_zip import write_stored_zip
from .weights_h5 import _require_built, open_h5, read_weights, walk, weights_image

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
# The Keras version kerax writes files as: the format of Keras 3 that it follows.
KERAS_VERSION = "3.15.1"
_MAX_MEMBER = 1 << 34  # refuse zip members declaring more than 16 GiB (zip bombs)


def save_keras(model, filepath) -> None:
    """Write `model` (config, weights, optimizer state) as a `.keras` zip."""
    from .serialization import serialize_keras_object

    _require_built(model, "save")
    config = json.dumps(serialize_keras_object(model))
    metadata = json.dumps({"keras_version": KERAS_VERSION, "date_saved":
                           datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"), "kerax_version": _kerax_version()})
    entries = walk(model)
    image = weights_image(model, entries=entries)
    assets = saved_assets(entries)
    with atomic_write(filepath, "wb") as f:
        # the H5 file streams straight into its member: each array's buffer is written once
        write_stored_zip(f, [(METADATA, [metadata.encode()]), (CONFIG, [config.encode()]),
                             (WEIGHTS, list(image.pieces())), *assets])


def _kerax_version() -> str:
    from ... import __version__

    return __version__


def _member(zf: zipfile.ZipFile, name: str, file) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise SavingError(f"The archive has no {name}", file=file, path=name, expected=f"a member {name}",
                          found=sorted(zf.namelist())[:8]) from None
    if info.file_size > _MAX_MEMBER:
        raise SavingError("Archive member is too large", file=file, path=name, expected=f"<= {_MAX_MEMBER} bytes",
                          found=info.file_size)
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
        raise SavingError("The archive member is corrupted", file=file, path=name, expected="intact data",
                          found=f"{type(e).__name__}: {e}") from None
    except Exception as e:  # noqa: BLE001  (zlib.error and friends from a damaged stream)
        raise SavingError("The archive member is corrupted", file=file, path=name, expected="intact data",
                          found=f"{type(e).__name__}: {e}") from None


def open_zip(filepath):
    try:
        return zipfile.ZipFile(filepath, "r")
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise SavingError("Not a readable .keras zip file (truncated or corrupted?)", file=filepath,
                          expected="a zip archive", found=f"{type(e).__name__}: {e}") from None


def read_json(zf, name: str, file) -> dict:
    raw = _member(zf, name, file)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SavingError("Invalid JSON", file=file, path=name, expected="a JSON object",
                          found=f"{type(e).__name__}: {e}") from None
    if not isinstance(value, dict):
        raise SavingError("Invalid JSON", file=file, path=name, expected="a JSON object", found=type(value).__name__)
    return value


def check_version(metadata: dict, file) -> None:
    version = metadata.get("keras_version", "3")
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        raise SavingError("Unreadable format version", file=file, path=METADATA, expected="a Keras version such as "
                          "'3.15.1'", found=repr(version)) from None
    if major > 3:
        raise SavingError("The file was written by a newer Keras format", file=file, path=METADATA,
                          expected="keras_version 3.x", found=version)


def build_model(model, build_config: dict) -> None:
    """Build an unbuilt (subclassed) model from Keras's build_config: run it symbolically on the
    saved input shape, which creates its layers' weights."""
    shape = build_config.get("input_shape")
    if shape is None:
        return
    model.compute_output_shape(_as_shape(shape))
    model.built = True


def _as_shape(value):
    """JSON lists back to a shape tuple, or a list of shape tuples."""
    if isinstance(value, list) and all(d is None or isinstance(d, int) for d in value):
        return tuple(value)
    if isinstance(value, list):
        return [_as_shape(v) for v in value]
    raise SavingError("Bad input shape in build_config", path="build_config", expected="a list of ints or None",
                      found=repr(value)[:80])


def load_keras(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a `.keras` zip written by kerax or by Keras 3."""
    from .serialization import deserialize_keras_object

    filepath = os.fspath(filepath)
    with open_zip(filepath) as zf:
        check_version(read_json(zf, METADATA, filepath), filepath)
        config = read_json(zf, CONFIG, filepath)
        weights = _member(zf, WEIGHTS, filepath)
        assets = archived_assets(zf, lambda name: _member(zf, name, filepath))
    config = dict(config)
    compile_config = config.pop("compile_config", None)
    from ..layers.layer import Layer

    with reading(filepath, CONFIG), placeholders():
        model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
        if not isinstance(model, Layer) or not hasattr(model, "compile"):
            raise SavingError("config.json does not describe a model", path=CONFIG, expected="a Model",
                              found=type(model).__name__)
        if not model.built and isinstance(config.get("build_config"), dict):
            build_model(model, config["build_config"])
        if compile and compile_config:
            model.compile_from_config(compile_config)
    entries = walk(model)
    read_archive_weights(model, weights, filepath, entries=entries)
    load_assets(entries, assets, filepath)
    return model


def read_archive_weights(model, data: bytes, filepath, skip_mismatch: bool = False, entries=None) -> None:
    """Assign `model`'s weights from the bytes of a `.keras` archive's model.weights.h5."""
    h5 = open_h5(io.BytesIO(data), filepath, WEIGHTS)
    with h5, reading(filepath, WEIGHTS):
        read_weights(model, h5, f"{filepath}:{WEIGHTS}", skip_mismatch, entries=entries)


def load_archive_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """`load_weights` from a `.keras` file: only its weights."""
    _require_built(model, "load")
    with open_zip(filepath) as zf:
        data = _member(zf, WEIGHTS, filepath)
    read_archive_weights(model, data, filepath, skip_mismatch)
