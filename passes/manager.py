"""The pass manager: an ordered pipeline of named `(Graph, PassContext) -> Graph` passes.

Instrumentation wraps passes from outside (passes never print): verification after each pass
(on in tests and when KERAX_VERIFY=1), per-pass timing, and IR text before/after any pass,
optionally written as numbered files to a folder (KERAX_DUMP_IR=folder).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

from ..ir import Graph, print_graph, verify
from ..ir.collector import collector_paused
from ..runtime.atomic import atomic_write
from .context import PassContext


@dataclass(frozen=True)
class Pass:
    name: str
    run: Callable[[Graph, PassContext], Graph]
    doc: str


@dataclass
class PassReport:
    """What one pipeline run did: seconds per pass, node counts, and the dumps asked for."""

    seconds: dict = field(default_factory=dict)
    nodes: dict = field(default_factory=dict)
    dumps: dict = field(default_factory=dict)  # "before:<pass>" / "after:<pass>" -> IR text


def run_nested(run, graph: Graph, context: PassContext) -> Graph:
    """`run` on every region (innermost first), then on `graph`: each pass sees nested graphs
    without knowing about them. A region's inputs are its signature, so no pass drops them.
    A region shared by several nodes is run once and stays shared."""
    done = {}

    def on_region(region: Graph) -> Graph:
        if id(region) not in done:
            done[id(region)] = (region, _keep_signature(region, run_nested(run, region, context)))
        return done[id(region)][1]

    graph = graph.map_regions(on_region)
    return run(graph, context)


def _keep_signature(before: Graph, after: Graph) -> Graph:
    """`after` with every operand input of `before` (by name, in order; as `after` typed it),
    where a pass dropped one it does not read (dce drops unread params of a whole program)."""
    if after is before or len(after.inputs) == len(before.inputs):
        return after
    kept = {gi.name: gi for gi in after.inputs}
    operands = tuple(kept.get(gi.name, gi) for gi in before.inputs if gi.kind != "const")
    return after.replace(inputs=operands + tuple(gi for gi in after.inputs if gi.kind == "const"))


class PassManager:
    """Run `passes` in order.

    >>> graph = PassManager(default_pipeline()).run(graph, PassContext(mode="train"))  # doctest: +SKIP
    """

    def __init__(self, passes: list, verify_each: bool | None = None, dump: set | None = None, dump_dir: str | None = None):
        self.passes = list(passes)
        self.verify_each = os.environ.get("KERAX_VERIFY") == "1" if verify_each is None else verify_each
        self.dump = set(dump or ())
        self.dump_dir = dump_dir if dump_dir is not None else os.environ.get("KERAX_DUMP_IR") or None
        known = {p.name for p in self.passes} | {"input", "all"}
        unknown = sorted(self.dump - known)
        if unknown:
            raise ValueError(f"Unknown pass names {unknown}: the pipeline runs {[p.name for p in self.passes]}")
        self.report = PassReport()

    def _wants(self, name: str) -> bool:
        return "all" in self.dump or name in self.dump or self.dump_dir is not None

    def run(self, graph: Graph, context: PassContext | None = None) -> Graph:
        with collector_paused():  # ir/collector.py says why
            return self._run(graph, context)

    def _run(self, graph: Graph, context: PassContext | None) -> Graph:
        context = PassContext() if context is None else context
        self.report = PassReport()
        self._record("input", graph, "before")
        if self.verify_each:
            verify(graph, context.mesh_axes)
        for index, p in enumerate(self.passes):
            start = time.perf_counter()
            graph = run_nested(p.run, graph, context)
            self.report.seconds[p.name] = time.perf_counter() - start
            self.report.nodes[p.name] = len(graph.nodes)
            if self.verify_each:
                verify(graph, context.mesh_axes)
            self._record(p.name, graph, "after", index + 1)
        return graph

    def _record(self, name: str, graph: Graph, when: str, index: int = 0) -> None:
        if not self._wants(name):
            return
        text = print_graph(graph)
        self.report.dumps[f"{when}:{name}"] = text
        if self.dump_dir:
            os.makedirs(self.dump_dir, exist_ok=True)
            path = os.path.join(self.dump_dir, f"{graph.name}.{index:02d}.{name}.ir")
            with atomic_write(path, "w") as f:
                f.write(text)
