"""How the K steps of one execution run: a compiler decision, made per program.

Three strategies, each chosen by a rule below from what the IR knows (the platform, the op kinds,
the step's FLOPs against the cost of a dispatch). The measurements that justify each rule were
taken on a 2-core x86-64 CPU with JAX 0.10.2 (tools/bench reproduces them):

  single  K == 1: the step itself, one dispatch, no loop.
  scan    one dispatch running `lax.scan` over the K steps: the dispatch cost is paid once.
  host    K dispatches of the one-step program, from the host: what Keras 3 does.

The plan also carries the XLA options of the program (xla_options.py). It is shown by
`model.execution_stats.loops` and by `irdump --loop`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..ir import registry
from .op_kinds import has_convolution, has_recurrence
from .xla_options import compiler_options, describe

SINGLE, SCAN, HOST = "single", "scan", "host"

# A training step costs about three forward passes (forward, and the two products of backprop).
TRAIN_FLOPS_PER_FORWARD_FLOP = 3

# Rule `large-step`: on CPU, a step of this many FLOPs or more runs host-side. Such a step takes
# milliseconds and a dispatch about 50 us, so K dispatches cost about 1% more than one, and a scan
# gains nothing at run time: MLP 784-256-256-10 at batch 128 (0.2 GFLOP a step) ran 641 steps/s
# as one step per call and 611 as a 16-step scan. A scan also compiles its body as an XLA while
# loop, which took 1.56x the compile time of the plain step on a 200-layer MLP (50.0 s against
# 31.9 s).
CPU_HOST_LOOP_MIN_FLOPS = 50_000_000


@dataclass(frozen=True)
class LoopPlan:
    """The strategy of one program, the rule that chose it, and the numbers the rule read."""

    strategy: str
    rule: str
    steps: int
    step_flops: int
    compiler_options: tuple = ()  # (option, value) pairs for XLA (xla_options.py); () for its defaults

    def __str__(self) -> str:
        return (f"{self.strategy} (rule {self.rule}; K={self.steps}, ~{self.step_flops:,} FLOPs a step"
                f"{describe(dict(self.compiler_options))})")


def step_flops(graphs, batch: int, training: bool) -> int:
    """FLOPs of one step at `batch`, from the op registry's cost model of the traced graphs."""
    forward = max((graph_flops(g, batch) for g in graphs), default=0)
    return forward * (TRAIN_FLOPS_PER_FORWARD_FLOP if training else 1)


def graph_flops(graph, batch: int) -> int:
    return sum(registry.cost(node.op, [v.type for v in node.inputs], [o.type for o in node.outputs],
                             node.attrs, batch)[0] for node in graph.nodes)


def plan_loop(graphs, platform: str, steps: int, batch: int, training: bool) -> LoopPlan:
    """Choose how `steps` steps of the program over `graphs` run on `platform`, and the XLA
    options its programs compile with (xla_options.py).

    >>> plan_loop([graph], "cpu", steps=8, batch=128, training=True).strategy  # doctest: +SKIP
    'host'
    """
    plan = _plan(graphs, platform, steps, step_flops(graphs, batch, training))
    return dataclasses.replace(plan, compiler_options=tuple(sorted(compiler_options(graphs, platform).items())))


def _plan(graphs, platform: str, steps: int, flops: int) -> LoopPlan:
    if steps == 1:
        # `lax.scan` over a length-1 axis, even with unroll=True, still compiles to an XLA while
        # loop (JAX 0.10), and a while loop is what the rules below avoid.
        return LoopPlan(SINGLE, "one-step", steps, flops)
    if platform == "cpu" and has_convolution(graphs):
        # XLA:CPU runs convolution gradients about 25x slower inside a while loop than outside
        # one (a two-conv step: 12.3 s in a scan, 0.50 s as a plain jit; jax-ml/jax#12868). With
        # XLA's own convolutions (xla_options.py) it is still 16x: 833 against 52 ms a step at K=4.
        # Unrolling the K steps into one program avoids the loop but measured slower than K
        # dispatches (two-conv net, batch 128, K=4: 1.26 against 1.70 steps/s) and compiled
        # 3.5x longer (11.2 s against 3.2 s).
        return LoopPlan(HOST, "cpu-convolution", steps, flops)
    if platform == "cpu" and has_recurrence(graphs):
        # A recurrent step is a while loop already, so a scan around it costs little compile time
        # (the LSTM benchmark's K=16 program: 2.92 s against 2.72 s for the one-step program), and
        # it saves XLA:CPU's per-execution work, which is not 50 us for such a step: at 0.1 GFLOP
        # a step, over the large-step threshold, the LSTM benchmark used 10% less process CPU
        # time a step as a 16-step scan than as 16 dispatches (1.01x and 0.91x the hand-written
        # scan's steps per CPU-second, twice), contenders taking turns in one run; the same model
        # with GRU(64) (0.07 GFLOP a step) did 1.08x the steps per CPU-second as a scan, twice.
        return LoopPlan(SCAN, "recurrent-step", steps, flops)
    if platform == "cpu" and flops >= CPU_HOST_LOOP_MIN_FLOPS:
        return LoopPlan(HOST, "large-step", steps, flops)
    # Small steps are dispatch-bound: one scan per K steps ran the tiny MLP 2.3x faster than one
    # dispatch per step on CPU (13,069 against 5,576 steps/s) and 36x faster on an H100.
    return LoopPlan(SCAN, "dispatch-bound", steps, flops)
