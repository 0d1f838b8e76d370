"""IR -> pure JAX functions; train/test/predict steps; K steps per dispatch; shardings."""
from .interpret import lower
from .multistep import ExecutionStats, compile_multistep, unroll_loop, scan_steps
from .steps import make_predict_step, make_test_step, make_train_step

__all__ = ["ExecutionStats", "compile_multistep", "unroll_loop", "lower", "make_predict_step", "make_test_step",
           "make_train_step", "scan_steps"]
