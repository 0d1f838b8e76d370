"""(Graph, PassContext) -> Graph passes and the pass manager that runs them."""
from .context import PassContext
from .cse import cse
from .dce import dce
from .manager import Pass, PassManager, PassReport
from .rewrite import Rule, apply_rules
from .shard import shard
from .simplify import simplify


def default_pipeline(context: PassContext | None = None) -> list:
    """The passes a step of `context.mode` goes through, in order (the same for every mode today)."""
    return [
        Pass("dce", dce, "drop what no output, update or loss needs"),
        Pass("cse", cse, "merge identical pure computations"),
        Pass("simplify", simplify, "remove ops that leave their operand unchanged"),
        Pass("dce-final", dce, "drop what the rewrites left unused"),
        Pass("shard", shard, "lay data, weights and state out over the mesh of the distribution"),
    ]


__all__ = ["Pass", "PassContext", "PassManager", "PassReport", "Rule", "apply_rules", "cse", "dce", "default_pipeline", "shard", "simplify"]
