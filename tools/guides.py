"""Run the Keras guides section by section, with Keras 3 and with kerax aliased as `keras`.

The guides are not part of kerax; export them from a keras checkout into a folder first:

    git clone --depth 1 https://github.com/keras-team/keras /tmp/keras
    mkdir -p /tmp/kerax-guides && cp /tmp/keras/guides/*.py /tmp/kerax-guides/
    # (or, from a bare clone: git --git-dir=/tmp/keras/.git show HEAD:guides/functional_api.py > ...)
    # keras-io's guides/ folder has the others (working_with_rnns.py, preprocessing_layers.py, ...).

then:

    python -m kerax.tools.guides /tmp/kerax-guides            # every guide, a table at the end
    python -m kerax.tools.guides /tmp/kerax-guides -k functional -v   # one guide, kerax's errors

A guide is split at its markdown headers (a docstring starting with `## `); each section runs in
order, in one subprocess per guide and framework, with a per-section timeout (a section that
fails does not stop the next). Datasets are replaced by random arrays of the same shapes and
`tf.data` by a small in-memory stand-in (`SUBSTITUTIONS`, applied to the source text), and
epochs are capped, so a guide runs offline in seconds. Nothing else in the guide is changed.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

# The substitutions the harness applies to a guide's source: (pattern, replacement, why).
SUBSTITUTIONS = [
    (r"\bkeras\.datasets\.(\w+)", r"_guide_stubs.datasets.\1", "datasets -> random arrays of the same shapes"),
    (r"^(\s*)import tensorflow as tf\s*$", r"\1tf = _guide_stubs.tf", "tf.data -> in-memory batches"),
    (r"^(\s*)from tensorflow import data as tf_data\s*$", r"\1tf_data = _guide_stubs.tf.data", "tf.data"),
    (r"^(\s*)import tensorflow_datasets as tfds\s*$", r"\1tfds = _guide_stubs.tfds", "tfds -> arrays"),
    (r"^(\s*)import torch\s*$", r'\1torch = _guide_stubs.Unavailable("torch")', "torch is not installed"),
    (r"^(\s*)import matplotlib\.pyplot as plt\s*$", r"\1plt = _guide_stubs.NoOp()", "no plotting"),
]
EPOCHS = re.compile(r"\bepochs\s*=\s*(\d+)")
HEADER = re.compile(r'^"""\n(## .*)$', re.MULTILINE)


def split_sections(source: str) -> list:
    """[(title, code)] of the sections that hold code (prose-only ones are left out); the text
    before the first `## ` header is the preamble."""
    cuts = [m.start() for m in HEADER.finditer(source)]
    bounds = [0] + cuts + [len(source)]
    sections = []
    for start, end in zip(bounds, bounds[1:]):
        chunk = source[start:end]
        match = HEADER.match(chunk)
        sections.append((match.group(1)[3:].strip() if match else "(preamble)", chunk))
    return [(t, c) for t, c in sections if _has_code(c)]


def _has_code(chunk: str) -> bool:
    try:
        body = ast.parse(chunk).body
    except SyntaxError:
        return True  # it runs, and fails, as written
    return any(not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in body)


def substitute(code: str, max_epochs: int) -> str:
    for pattern, replacement, _ in SUBSTITUTIONS:
        code = re.sub(pattern, replacement, code, flags=re.MULTILINE)
    return EPOCHS.sub(lambda m: f"epochs={min(int(m.group(1)), max_epochs)}", code)


# -- the child: runs one guide's sections in one namespace --------------------------------------------
STUBS = r'''
import types, numpy as np

MAX_SAMPLES = 0  # set by the harness (--max-samples); 0 keeps Keras's sample counts

SHAPES = {  # per sample (x, y), train and test counts, as keras.datasets gives them
    "mnist": ((28, 28), (), 60000, 10000, 10), "fashion_mnist": ((28, 28), (), 60000, 10000, 10),
    "cifar10": ((32, 32, 3), (1,), 50000, 10000, 10), "cifar100": ((32, 32, 3), (1,), 50000, 10000, 100),
}

def load_data(name, **kwargs):
    if name in ("imdb", "reuters"):
        rng = np.random.default_rng(0)
        seqs = lambda n: np.array([list(rng.integers(1, 1000, rng.integers(10, 200))) for _ in range(n)], dtype=object)
        return (seqs(2500), rng.integers(0, 2, 2500)), (seqs(2500), rng.integers(0, 2, 2500))
    if name not in SHAPES:
        raise NotImplementedError(f"the guide harness has no stand-in for keras.datasets.{name}")
    x_shape, y_shape, n_train, n_test, classes = SHAPES[name]
    if MAX_SAMPLES:
        n_train, n_test = min(n_train, MAX_SAMPLES), min(n_test, MAX_SAMPLES)
    rng = np.random.default_rng(0)
    make = lambda n: (rng.integers(0, 256, (n,) + x_shape).astype("uint8"),
                      rng.integers(0, classes, (n,) + y_shape).astype("uint8"))
    return make(n_train), make(n_test)


class _Tensor(np.ndarray):
    """What iterating a tf.data.Dataset yields: an array with `.numpy()`."""
    def numpy(self):
        return np.asarray(self)


def _as_tensors(tree):
    if isinstance(tree, tuple):
        return tuple(_as_tensors(t) for t in tree)
    if isinstance(tree, dict):
        return {k: _as_tensors(v) for k, v in tree.items()}
    return np.asarray(tree).view(_Tensor)


def _slice(tree, index):
    if isinstance(tree, tuple):
        return tuple(_slice(t, index) for t in tree)
    if isinstance(tree, dict):
        return {k: _slice(v, index) for k, v in tree.items()}
    return np.asarray(tree)[index]


def _length(tree):
    if isinstance(tree, tuple):
        return _length(tree[0])
    if isinstance(tree, dict):
        return _length(next(iter(tree.values())))
    return len(tree)


def make_dataset_class(base):
    class Dataset(base):
        """tf.data.Dataset's common chain over in-memory arrays, batched eagerly."""
        def __init__(self, data, batch_size=None, fn=None, repeat=False):
            try:
                super().__init__()
            except Exception:
                pass
            self._data, self._batch, self._fn, self._repeat = data, batch_size, fn, repeat

        @classmethod
        def from_tensor_slices(cls, data):
            data = tuple(data) if isinstance(data, list) else data
            return cls(data)

        def _again(self, data=None, **changes):
            kwargs = dict(batch_size=self._batch, fn=self._fn, repeat=self._repeat)
            kwargs.update(changes)
            return type(self)(self._data if data is None else data, **kwargs)

        def batch(self, batch_size, drop_remainder=False, **kwargs):
            return self._again(batch_size=batch_size)

        def map(self, fn, **kwargs):
            return self._again(fn=fn)

        def shuffle(self, buffer_size=None, **kwargs):
            order = np.random.default_rng(0).permutation(_length(self._data))
            return self._again(data=_slice(self._data, order))

        def take(self, count):
            return self._again(data=_slice(self._data, slice(0, count * (self._batch or 1))))

        def skip(self, count):
            return self._again(data=_slice(self._data, slice(count * (self._batch or 1), None)))

        def repeat(self, count=None):
            return self._again(repeat=True)

        def prefetch(self, *args, **kwargs):
            return self

        def cache(self, *args, **kwargs):
            return self

        def __len__(self):
            n = _length(self._data)
            return -(-n // self._batch) if self._batch else n

        def __getitem__(self, index):
            if index >= len(self):
                raise IndexError(index)
            item = _slice(self._data, slice(index * self._batch, (index + 1) * self._batch) if self._batch else index)
            if self._fn is not None:
                item = self._fn(*item) if isinstance(item, tuple) else self._fn(item)
            return _as_tensors(item)

        def __iter__(self):
            for i in range(len(self)):
                yield self[i]

        def as_numpy_iterator(self):
            return iter(self)

    return Dataset


class Unavailable:
    def __init__(self, name):
        self._name = name
    def __getattr__(self, attr):
        raise ModuleNotFoundError(f"{self._name} is not installed (guide harness)")


class NoOp:
    def __getattr__(self, attr):
        return NoOp()
    def __call__(self, *args, **kwargs):
        return NoOp()
    def __iter__(self):
        return iter(())


class _Dataset:
    def __init__(self, name):
        self.name = name

    def load_data(self, *args, **kwargs):
        return load_data(self.name)


datasets = types.SimpleNamespace(**{name: _Dataset(name) for name in (*SHAPES, "imdb", "reuters")})


def install(keras):
    tf = types.SimpleNamespace(data=types.SimpleNamespace(
        Dataset=make_dataset_class(keras.utils.PyDataset if hasattr(keras.utils, "PyDataset") else object),
        AUTOTUNE=-1, experimental=types.SimpleNamespace(AUTOTUNE=-1)))
    tfds = Unavailable("tensorflow_datasets (its datasets are downloads)")
    return tf, tfds
'''

CHILD = r'''
import json, os, signal, sys, time, traceback, types
framework, payload = sys.argv[1], json.load(open(sys.argv[2]))
if framework == "kerax":
    import kerax
    for name, module in list(sys.modules.items()):
        if name == "kerax" or name.startswith("kerax."):
            sys.modules["keras" + name[len("kerax"):]] = module
import keras
stubs = types.ModuleType("_guide_stubs")
exec(payload["stubs"], stubs.__dict__)
stubs.tf, stubs.tfds = stubs.install(keras)
stubs.MAX_SAMPLES = payload["max_samples"]
namespace = {"__name__": "__main__", "_guide_stubs": stubs}

def on_alarm(signum, frame):
    raise TimeoutError(f"section ran past {payload['timeout']} s")

signal.signal(signal.SIGALRM, on_alarm)
os.chdir(payload["workdir"])
for index, (title, code) in enumerate(payload["sections"]):
    start = time.time()
    signal.alarm(payload["timeout"])
    try:
        exec(compile(code, f"{payload['guide']}[{index}]", "exec"), namespace)
        result = {"ok": True}
    except BaseException as error:
        tb = traceback.extract_tb(error.__traceback__)
        where = next((f"{f.filename}:{f.lineno}" for f in reversed(tb) if "kerax" in f.filename or "keras" in f.filename), "")
        result = {"ok": False, "error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300],
                  "where": where}
    finally:
        signal.alarm(0)
    result.update(index=index, title=title, seconds=round(time.time() - start, 1))
    print("@@section " + json.dumps(result), flush=True)
'''


def run_guide(path: Path, framework: str, timeout: int, max_epochs: int, workdir: Path, max_samples: int = 0) -> list:
    """One subprocess runs every section of one guide; returns one result dict per section."""
    sections = [(t, substitute(c, max_epochs)) for t, c in split_sections(path.read_text())]
    workdir.mkdir(parents=True, exist_ok=True)
    payload_path = workdir / f"{path.stem}.{framework}.json"
    payload_path.write_text(json.dumps({"stubs": STUBS, "sections": sections, "timeout": timeout,
                                        "guide": path.stem, "workdir": str(workdir),
                                        "max_samples": max_samples}))
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    if "distribut" in path.stem:  # the distribution guides split over 8 devices
        env["XLA_FLAGS"] = env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, framework, str(payload_path)], env=env,
                              capture_output=True, text=True, timeout=timeout * (len(sections) + 1))
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        stdout, stderr = expired.stdout or "", "timed out"
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
    results = [json.loads(line[len("@@section "):]) for line in stdout.splitlines() if line.startswith("@@section ")]
    crash = (stderr or "").strip().splitlines()[-1:] or ["no output"]
    for index in range(len(results), len(sections)):  # the process died before these ran
        results.append({"index": index, "title": sections[index][0], "ok": False, "error": f"not run: {crash[0]}"})
    return results


def format_table(table: list, frameworks: list) -> str:
    """Markdown: per guide, the sections that ran with each framework; `all` sums them and
    counts the guides that ran to the end."""
    lines = ["| guide | sections | " + " | ".join(f"OK with {fw}" for fw in frameworks) + " |",
             "|---|---|" + "---|" * len(frameworks)]
    for name, total, counts in table:
        lines.append(f"| {name} | {total} | " + " | ".join(str(counts[fw]) for fw in frameworks) + " |")
    sums = [sum(c[fw] for _, _, c in table) for fw in frameworks]
    ends = [sum(c[fw] == total for _, total, c in table) for fw in frameworks]
    lines.append(f"| all ({len(table)} guides) | {sum(t for _, t, _ in table)} | "
                 + " | ".join(f"{n} ({e} to the end)" for n, e in zip(sums, ends)) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a folder of Keras guide .py files")
    parser.add_argument("-k", dest="only", default="", help="run only guides whose name contains this")
    parser.add_argument("--timeout", type=int, default=180, help="seconds per section (default 180)")
    parser.add_argument("--epochs", type=int, default=1, help="cap on every `epochs=` (default 1)")
    parser.add_argument("--max-samples", type=int, default=0,
                        help="cap on the samples of each stand-in dataset (default 0: Keras's counts)")
    parser.add_argument("--frameworks", default="keras,kerax", help="comma-separated: keras,kerax")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kerax-guides-run"))
    parser.add_argument("--json", type=Path, help="write every section's result here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each failing section's error")
    args = parser.parse_args(argv)
    guides = sorted(p for p in args.folder.glob("*.py") if args.only in p.stem)
    if not guides:
        parser.error(f"no guide .py files in {args.folder} matching {args.only!r}")
    frameworks = args.frameworks.split(",")
    table, everything = [], {}
    for path in guides:
        results = {fw: run_guide(path, fw, args.timeout, args.epochs, args.workdir / fw, args.max_samples)
                   for fw in frameworks}
        everything[path.stem] = results
        counts = {fw: sum(r["ok"] for r in rs) for fw, rs in results.items()}
        total = len(next(iter(results.values())))
        table.append((path.stem, total, counts))
        print(f"{path.stem}: " + ", ".join(f"{fw} {counts[fw]}/{total}" for fw in frameworks), flush=True)
        if args.verbose:
            for fw in frameworks[1:]:
                for ref, r in zip(results[frameworks[0]], results[fw]):
                    if ref["ok"] and not r["ok"]:
                        print(f"    [{r['index']}] {r['title']}: {r['error']} {r.get('where', '')}")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))
    print()
    print(format_table(table, frameworks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
