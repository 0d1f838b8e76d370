"""Deep graphs: seconds to build, trace and optimize models of 1,000 and 10,000 layers.

Linear work shows as a 10k/1k ratio near 10; a quadratic step shows as ~100.
"""
from __future__ import annotations

import time

import numpy as np


def sequential_mlp(lib, layers: int, width: int = 4):
    """`layers` Dense layers in a Sequential."""
    return lib.Sequential([lib.Input((width,))] + [lib.layers.Dense(width) for _ in range(layers)])


def residual_graph(lib, layers: int, width: int = 4):
    """A functional chain of `layers // 2` residual blocks, h + Dense(h): `layers` layers in all."""
    x = lib.Input((width,))
    h = x
    for _ in range(layers // 2):
        h = lib.layers.Add()([h, lib.layers.Dense(width)(h)])
    return lib.Model(x, h)


def time_phases(make, layers: int) -> dict:
    """Seconds to build the model, trace its training forward pass into IR, and run the pass pipeline."""
    import kerax
    from kerax.frontend.models.programs import input_signature, trace_model
    from kerax.passes import PassManager, default_pipeline

    kerax.utils.clear_session()
    start = time.perf_counter()
    model = make(kerax, layers)
    built = time.perf_counter()
    graph, _ = trace_model(model, input_signature([np.zeros((2, 4), np.float32)]), training=True)
    traced = time.perf_counter()
    PassManager(default_pipeline(), verify_each=False).run(graph)
    done = time.perf_counter()
    return {"build": built - start, "trace": traced - built, "passes": done - traced}


def deep_graphs(repeats=1, keras_peer=True, sizes=(1000, 10000)):
    """Build/trace/passes seconds for a Sequential MLP and a residual functional graph, and their growth."""
    small, large = sizes
    result = {"what": f"build, trace and passes of {small:,} and {large:,} layers (width 4); "
                      f"a {large // small}x deeper model should take ~{large // small}x as long", "lines": []}
    for name, make in (("sequential_mlp", sequential_mlp), ("residual_graph", residual_graph)):
        times = {n: min((time_phases(make, n) for _ in range(repeats)), key=lambda t: sum(t.values())) for n in sizes}
        result[name] = {str(n): t for n, t in times.items()}
        for phase in ("build", "trace", "passes"):
            a, b = times[small][phase], times[large][phase]
            result["lines"].append(f"  {name:<15} {phase:<7} {small:>6,}: {a:8.3f} s   {large:>6,}: {b:8.3f} s"
                                   f"   ratio {b / a:6.1f}")
    return result
