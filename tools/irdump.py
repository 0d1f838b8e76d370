"""irdump: print a model's IR before and after the pass pipeline.

    irdump MODULE:FUNCTION            # FUNCTION() returns a model; MODULE is a module or a .py path
    irdump my_models.py:mlp --after cse --table --training
    irdump my_models.py:mlp --dump-dir out/   # numbered dumps, one file per pass
    irdump my_models.py:mlp --dot mlp.dot     # Graphviz DOT of the optimized graph
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys


def load_function(spec: str):
    if ":" not in spec:
        raise SystemExit(f"irdump: expected MODULE:FUNCTION, received {spec!r}")
    module_name, function_name = spec.rsplit(":", 1)
    if module_name.endswith(".py") or os.sep in module_name:
        path = os.path.abspath(module_name)
        if not os.path.exists(path):
            raise SystemExit(f"irdump: no such file {path}")
        loader_spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(loader_spec)
        sys.path.insert(0, os.path.dirname(path))
        loader_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(module_name)
    if not hasattr(module, function_name):
        raise SystemExit(f"irdump: module {module_name!r} has no function {function_name!r}")
    return getattr(module, function_name)


def model_signature(model) -> tuple:
    try:
        inputs = model.inputs
    except AttributeError:
        inputs = None
    if not inputs:
        raise SystemExit(f"irdump: model '{model.name}' has no inputs yet; build it from kerax.Input or call it once")
    return tuple((tuple(t.shape), t.dtype) for t in inputs)


def main(argv=None) -> int:
    from ..frontend.models.programs import trace_model
    from ..ir import format_table
    from ..passes import PassManager, default_pipeline

    parser = argparse.ArgumentParser(prog="irdump", description="Print a kerax model's IR before and after the passes.")
    parser.add_argument("target", help="MODULE:FUNCTION, where FUNCTION() returns a kerax model")
    parser.add_argument("--after", action="append", default=[], help="also print the IR after this pass (repeatable)")
    parser.add_argument("--dump-dir", help="write numbered IR files, one per pass, to this folder")
    parser.add_argument("--training", action="store_true", help="trace the training graph (dropout, batch statistics)")
    parser.add_argument("--table", action="store_true", help="print the optimized graph as a table with FLOPs")
    parser.add_argument("--batch", type=int, default=1, help="batch size for the FLOP counts of --table")
    parser.add_argument("--dot", help="also write the optimized graph as Graphviz DOT to this file")
    parser.add_argument("--platform", help="platform of the loop plan (default: JAX's default backend)")
    args = parser.parse_args(argv)

    model = load_function(args.target)()
    graph, _ = trace_model(model, model_signature(model), training=args.training)
    manager = PassManager(default_pipeline(), dump=set(args.after), dump_dir=args.dump_dir)
    optimized = manager.run(graph)
    from ..ir import print_graph

    print("# before passes")
    print(print_graph(graph), end="")
    for name in args.after:
        print(f"\n# after {name}")
        print(manager.report.dumps[f"after:{name}"], end="")
    print("\n# after the pipeline (" + ", ".join(f"{n} {s * 1e3:.2f} ms" for n, s in manager.report.seconds.items()) + ")")
    print(print_graph(optimized), end="")
    if args.dot:
        from ..ir import to_dot

        with open(args.dot + ".tmp", "w") as f:
            f.write(to_dot(optimized))
        os.replace(args.dot + ".tmp", args.dot)
    if args.table:
        print(f"\n# table (FLOPs at batch {args.batch})")
        print(format_table(optimized, args.batch), end="")
    print(loop_plan_line(model, optimized, args.batch, args.training, args.platform))
    return 0


def loop_plan_line(model, graph, batch: int, training: bool, platform=None) -> str:
    """How fit (or evaluate/predict) would run K steps of this graph: the compiler's loop plan."""
    import jax

    from ..lowering import plan_loop

    k = getattr(model, "steps_per_execution", 1) or 1
    platform = platform or jax.default_backend()
    plan = plan_loop([graph], platform, k, batch, training)
    return f"\n# loop plan ({'train' if training else 'test/predict'}, {platform}, batch {batch}): {plan}"


if __name__ == "__main__":
    sys.exit(main())
