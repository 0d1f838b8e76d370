"""irdump: print the program a model's own compile built, before and after each pass.

    irdump MODULE:FUNCTION                  # FUNCTION() returns a model; MODULE is a module or a .py path
    irdump my_models.py:mlp --step train    # the train step's graph (test, predict: theirs)
    irdump my_models.py:mlp --after cse --diff simplify --table
    irdump my_models.py:mlp --stage stablehlo   # what XLA receives for the step's K-step program (hlo: what it compiled)
    irdump my_models.py:mlp --json          # machine-readable
    irdump my_models.py:mlp --dump-dir out/ # numbered dumps, one file per pass
    irdump my_models.py:mlp --dot mlp.dot   # Graphviz DOT of the optimized graph
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.util
import json
import os
import sys

STEPS = ("train", "test", "predict")


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


def step_program(model, step: str, batch: int = 1):
    """The program `model` itself builds for `step` (from its cache, or built by it now)."""
    import numpy as np

    arrays = [np.zeros((batch, *shape[1:]), dtype) for shape, dtype in model_signature(model)]
    return model._program(arrays, step == "train", step)


def sample_batch(model, step: str, batch: int) -> tuple:
    """Zeros shaped like one batch of `step`'s data: (x,) for predict, (x, y, None) for train and
    test, a target per output shaped like that output (class indices for a sparse loss)."""
    import jax
    import numpy as np

    from ..frontend.losses import _is_sparse_categorical

    x = [np.zeros((batch, *shape[1:]), dtype) for shape, dtype in model_signature(model)]
    x = model._pack_inputs(x)
    if step == "predict":
        return (x,)
    if not model.compiled:
        raise SystemExit(f"irdump: --stage of the {step} step needs a compiled model; '{model.name}' is not compiled")
    model._prepare((x,), step)
    losses = model._compiled_loss.losses
    targets = []
    for loss, out in zip(losses, jax.tree.leaves(model.outputs)):
        shape = (batch, *out.shape[1:])
        sparse = loss is not None and _is_sparse_categorical(loss)
        targets.append(np.zeros(shape[:-1], "int32") if sparse else np.zeros(shape, "float32"))
    return (x, targets[0] if len(targets) == 1 else targets, None)


def stage_text(model, step: str, stage: str, batch: int) -> tuple:
    """(StableHLO handed to XLA (`stablehlo`) or the HLO XLA compiled (`hlo`), what it is) for
    the program `step` really runs: the model's own executable under its loop plan (a scan of
    K steps, or the one-step program the host dispatches), lowered with its shardings."""
    import jax
    import numpy as np

    data = sample_batch(model, step, batch)
    if step == "predict":
        model._prepare_predict(data)
    run = model._executable(step)
    k = max(1, getattr(model, "steps_per_execution", 1) or 1)
    superbatch = jax.tree.map(lambda a: np.broadcast_to(a, (k, *a.shape)), data)
    plan = run.plan_for(superbatch)
    which = "scan" if plan.strategy == "scan" else "single"
    steps = k if which == "scan" else 1
    superbatch = jax.tree.map(lambda a: jax.ShapeDtypeStruct((steps, *a.shape[1:]), a.dtype), superbatch)
    state = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=a.sharding), model._state().values)
    lowered = run.jitted[which].lower(state, superbatch)
    what = f"the {which} program of {steps} step{'s' if steps > 1 else ''} that {step} runs (plan: {plan})"
    return (lowered.as_text() if stage == "stablehlo" else lowered.compile().as_text()), what


def step_graph(model, step: str, batch: int) -> tuple:
    """(graph before the passes, pass context) of what `step` runs: the whole step graph the
    model builds for fit or evaluate (forward, loss, gradient, optimizer and metric updates),
    or the forward graph for predict and for a model that is not compiled."""
    program = step_program(model, step, batch)
    if _overridden(model, step):
        return _opaque_step(model, step, batch), program.context
    if step == "predict" or not model.compiled:
        return program.traced, program.context
    x, y, sw = sample_batch(model, step, batch)
    built = model._step_graph(step, model._flatten_inputs(x), y, sw)
    if built is None:  # a loss, metric or optimizer that cannot be IR: the step runs from closures
        return program.traced, program.context
    return built.traced, built.context


def _overridden(model, step: str) -> bool:
    from ..frontend.models.steps import Steps

    return getattr(type(model), f"{step}_step") is not getattr(Steps, f"{step}_step")


def _opaque_step(model, step: str, batch: int):
    """A user's own step: one opaque node that runs it as written (passes do not enter it)."""
    from ..frontend.models.compiled import _keras_predict_state, _keras_test_state
    from ..frontend.models.step_graphs import build_opaque_graph

    data = sample_batch(model, step, batch)
    if step == "predict":
        model._prepare_predict(data)
    fn = {"train": model.train_step, "test": _keras_test_state(model), "predict": _keras_predict_state(model)}[step]
    return build_opaque_graph(step, fn, model._state().groups, data)


def unified_diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"before {name}", tofile=f"after {name}")
    return "".join(lines) or f"(no change by {name})\n"


def main(argv=None) -> int:
    from ..ir import format_table, graph_to_json, print_graph
    from ..passes import PassManager, default_pipeline

    parser = argparse.ArgumentParser(prog="irdump", description="Print the IR of a kerax model's step, pass by pass.")
    parser.add_argument("target", help="MODULE:FUNCTION, where FUNCTION() returns a kerax model")
    parser.add_argument("--step", choices=STEPS, help="which step's program (default: predict, or train with --training)")
    parser.add_argument("--after", action="append", default=[], help="also print the IR after this pass (repeatable)")
    parser.add_argument("--diff", action="append", default=[], help="a unified diff of the IR before and after this pass")
    parser.add_argument("--stage", choices=("stablehlo", "hlo"), help="print what XLA receives or what it compiled")
    parser.add_argument("--json", action="store_true", help="print the optimized graph as JSON instead of text")
    parser.add_argument("--dump-dir", help="write numbered IR files, one per pass, to this folder")
    parser.add_argument("--training", action="store_true", help="the same as --step train")
    parser.add_argument("--table", action="store_true", help="print the optimized graph as a table with FLOPs")
    parser.add_argument("--batch", type=int, default=1, help="batch size for --table FLOPs and --stage")
    parser.add_argument("--dot", help="also write the optimized graph as Graphviz DOT to this file")
    parser.add_argument("--platform", help="platform of the loop plan (default: JAX's default backend)")
    args = parser.parse_args(argv)
    step = args.step or ("train" if args.training else "predict")

    model = load_function(args.target)()
    model_signature(model)
    traced, context = step_graph(model, step, args.batch)
    # The model's own traced graph through its own pipeline and context, this time with dumps.
    pipeline = default_pipeline(context)
    known = {p.name for p in pipeline}
    for name in args.diff:
        if name not in known:
            raise SystemExit(f"irdump: --diff {name}: expected one of the passes {[p.name for p in pipeline]}")
    manager = PassManager(pipeline, dump={"all"} if args.diff else set(args.after), dump_dir=args.dump_dir)
    optimized = manager.run(traced, context)

    if args.json:
        print(json.dumps({"step": step, "before": graph_to_json(traced), "after": graph_to_json(optimized),
                          "passes": {n: {"seconds": s, "nodes": manager.report.nodes[n]}
                                     for n, s in manager.report.seconds.items()}}, indent=1))
        return 0
    print("# before passes")
    print(print_graph(traced), end="")
    for name in args.after:
        print(f"\n# after {name}")
        print(manager.report.dumps[f"after:{name}"], end="")
    names = [p.name for p in pipeline]
    for name in args.diff:
        index = names.index(name)
        before = manager.report.dumps["before:input" if index == 0 else f"after:{names[index - 1]}"]
        print(f"\n# diff {name}")
        print(unified_diff(before, manager.report.dumps[f"after:{name}"], name), end="")
    print(f"\n# after the pipeline (step {step}: " + ", ".join(f"{n} {s * 1e3:.2f} ms" for n, s in manager.report.seconds.items()) + ")")
    print(print_graph(optimized), end="")
    if args.dot:
        from ..ir import to_dot
        from ..runtime.atomic import atomic_write

        with atomic_write(args.dot, "w") as f:
            f.write(to_dot(optimized))
    if args.table:
        print(f"\n# table (FLOPs at batch {args.batch})")
        print(format_table(optimized, args.batch), end="")
    forward = step_program(model, step, args.batch).graph  # the loop plan reads the forward program, as fit does
    print(loop_plan_line(model, forward, args.batch, step == "train", args.platform))
    if args.stage:
        text, what = stage_text(model, step, args.stage, args.batch)
        print(f"\n# {args.stage} (batch {args.batch}): {what}")
        print(text, end="")
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
