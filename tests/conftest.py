"""Test set-up: 8 CPU devices (sharding tests), quick XLA compiles, verification after every pass, a private
kerax.json, fresh layer names per test, and a text-form round trip of every graph built."""
import os

# Backend optimization level 0: the suite's time is mostly XLA compiling small programs, which
# this halves (an attention parity test: 8.5 s of compiles -> 4.1 s). HLO passes still run, so
# the compiled programs tests inspect (while loops, fusions, shardings) are the same; only the
# LLVM code generation is less optimized. The benchmarks do not use it.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8 --xla_backend_optimization_level=0")
os.environ["KERAX_VERIFY"] = "1"
os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest  # noqa: E402

import kerax  # noqa: E402
from kerax.ir import graphs_equal, parse, print_graph  # noqa: E402
from kerax.passes import manager as pass_manager  # noqa: E402

_built_graphs = []
_original_run = pass_manager.PassManager.run


def _recording_run(self, graph, context=None):
    _built_graphs.append(graph)
    result = _original_run(self, graph, context)
    _built_graphs.append(result)
    return result


pass_manager.PassManager.run = _recording_run


@pytest.fixture(autouse=True)
def _fresh_session(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAX_HOME", str(tmp_path / "kerax_home"))
    # Name counters only: dropping JAX's caches every test would recompile Keras's and JAX's own
    # small programs (random initializers, threefry) again in every test.
    kerax.utils.clear_session(free_memory=False)
    kerax.distribution.set_distribution(None)
    _built_graphs.clear()
    yield
    # Every graph a test built (before and after the pipeline) prints and parses back to itself.
    for graph in _built_graphs:
        text = print_graph(graph)
        assert graphs_equal(parse(text, graph.constants), graph), f"text form did not round-trip:\n{text}"
    _built_graphs.clear()
