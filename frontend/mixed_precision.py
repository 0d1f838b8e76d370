"""`keras.mixed_precision`: the legacy home of dtype policies and loss scaling.

>>> import kerax
>>> kerax.mixed_precision.Policy("mixed_float16").compute_dtype
'float16'
"""
from .dtype_policies import DTypePolicy, Policy, dtype_policy, global_policy, set_dtype_policy, set_global_policy
from .optimizers import LossScaleOptimizer

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "global_policy", "set_dtype_policy", "set_global_policy",
           "LossScaleOptimizer"]
