"""Graph -> Graph passes and the pass manager that runs them."""
from .cse import cse
from .dce import dce
from .manager import Pass, PassManager, PassReport
from .rewrite import Rule, apply_rules
from .simplify import simplify


def default_pipeline() -> list:
    """The passes every model goes through, in order."""
    return [
        Pass("dce", dce, "drop what no output, update or loss needs"),
        Pass("cse", cse, "merge identical pure computations"),
        Pass("simplify", simplify, "remove ops that leave their operand unchanged"),
        Pass("dce-final", dce, "drop what the rewrites left unused"),
    ]


__all__ = ["Pass", "PassManager", "PassReport", "Rule", "apply_rules", "cse", "dce", "default_pipeline", "simplify"]
