"""`python -m kerax.tools.bench`: kerax vs a hand-written JAX scan vs Keras 3, one run, ratios.

    python -m kerax.tools.bench             # every model
    python -m kerax.tools.bench tiny_mlp    # one of them
"""
from __future__ import annotations

import argparse
import json
import sys

from .models import MODELS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="kerax.tools.bench")
    parser.add_argument("models", nargs="*", default=list(MODELS), help=f"which of {list(MODELS)}")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per contender (best is kept)")
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras 3 peer")
    parser.add_argument("--json", action="store_true", help="print one JSON object per model")
    args = parser.parse_args(argv)
    for name in args.models:
        if name not in MODELS:
            raise SystemExit(f"unknown model {name!r}: expected one of {list(MODELS)}")
        result = MODELS[name](repeats=args.repeats, keras_peer=not args.no_keras)
        if args.json:
            print(json.dumps({"model": name, **result}))
        else:
            print(format_result(name, result))
    return 0


def format_result(name: str, result: dict) -> str:
    lines = [f"== {name}: {result.pop('what')}"]
    if "lines" in result:  # a measurement other than steps/s brings its own table
        return "\n".join(lines + result["lines"])
    pairs = result.pop("pairs", None)
    unit = result.pop("unit", "steps/s")
    if pairs is None:  # one kerax figure against each peer
        kerax = result["kerax"]
        for key, value in result.items():
            lines.append(f"  {key:<22} {value:>10,.1f} {unit}   kerax / this = {kerax / value:5.2f}x")
        return "\n".join(lines)
    for key, value in result.items():
        lines.append(f"  {key:<22} {value:>10,.2f} {unit}")
    for mine, peer in pairs:
        lines.append(f"  {mine} / {peer} = {result[mine] / result[peer]:5.2f}x")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
