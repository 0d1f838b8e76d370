"""IR -> pure JAX functions; train/test/predict steps; K steps per dispatch; shardings."""
from .interpret import lower
from .loop_plan import LoopPlan, plan_loop
from .multistep import ExecutionStats, compile_multistep
from .steps import make_predict_step, make_test_step, make_train_step

__all__ = ["ExecutionStats", "LoopPlan", "compile_multistep", "lower", "make_predict_step", "make_test_step",
           "make_train_step", "plan_loop"]
