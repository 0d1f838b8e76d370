"""api_coverage: which of Keras 3's public names kerax has, module by module.

    python -m kerax.tools.api_coverage            # the table, then the totals
    python -m kerax.tools.api_coverage --missing  # also the names still missing
    python -m kerax.tools.api_coverage --total ops,utils  # one more total, over these modules

A Keras module `keras.a.b` is compared with `kerax.a.b` (its public attributes, by name).
Applications, quantizers and visualization are left out (pretrained weights and plotting helpers
kerax does not aim at), as are Keras's own internals (`src`, `_tf_keras`) and the legacy module.
Needs Keras 3 installed (the test-only oracle); it is imported on the JAX backend.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil

EXCLUDED = ("applications", "quantizers", "visualization", "src", "_tf_keras", "legacy")
# The modules issue 10 asks to be >= 90% present, as a group.
API_SURFACE = ("losses", "metrics", "optimizers", "ops", "backend", "tree", "random", "config", "utils",
               "activations", "initializers")


def keras_modules() -> list:
    """The public Keras modules to compare: `keras.X` and `keras.X.Y`, minus the excluded ones."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    names = []
    for info in pkgutil.walk_packages(keras.__path__, "keras."):
        parts = info.name.split(".")[1:]
        if not info.ispkg or parts[0] in EXCLUDED or any(p.startswith("_") for p in parts) or "legacy" in parts:
            continue
        names.append(".".join(parts))
    return sorted(names)


def public_names(module) -> set:
    return {n for n in dir(module) if not n.startswith("_")}


def kerax_module(path: str):
    import kerax

    module = kerax
    for part in path.split("."):
        module = getattr(module, part, None)
        if module is None:
            return None
    return module


def coverage() -> list:
    """[(module, keras names, names kerax has, names kerax lacks)] for every compared module."""
    rows = []
    for path in keras_modules():
        wanted = public_names(importlib.import_module(f"keras.{path}"))
        if not wanted:
            continue
        ours = kerax_module(path)
        have = public_names(ours) & wanted if ours is not None else set()
        rows.append((path, len(wanted), len(have), sorted(wanted - have)))
    return rows


def _percent(have: int, total: int) -> str:
    return f"{100.0 * have / total:5.1f}%" if total else "  -  "


def report(rows, missing: bool = False, extra_total: tuple = ()) -> str:
    lines = [f"{'module':<36}{'keras':>7}{'kerax':>7}{'':>3}cover"]
    for path, total, have, lacking in rows:
        lines.append(f"{path:<36}{total:>7}{have:>7}   {_percent(have, total)}")
        if missing and lacking:
            lines.append("    missing: " + ", ".join(lacking))
    totals = [("total (all compared modules)", rows),
              ("total (issue 10 API surface)", [r for r in rows if r[0].split(".")[0] in API_SURFACE])]
    if extra_total:
        totals.append((f"total ({', '.join(extra_total)})", [r for r in rows if r[0].split(".")[0] in extra_total]))
    for label, selected in totals:
        total, have = sum(r[1] for r in selected), sum(r[2] for r in selected)
        lines.append(f"{label:<36}{total:>7}{have:>7}   {_percent(have, total)}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="api_coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list the missing names under each module")
    parser.add_argument("--total", default="", help="comma-separated top-level modules to total as well")
    args = parser.parse_args(argv)
    extra = tuple(m for m in args.total.split(",") if m)
    print(report(coverage(), missing=args.missing, extra_total=extra))


if __name__ == "__main__":
    main()
