"""XLA compiler options: a compiler decision made per program, like the loop plan, from the
platform and the op kinds of the traced graphs.

Rule `cpu-convolution-in-xla`: on CPU, jaxlib 0.10's XLA hands three kinds of work to the YNNPACK
library (option `xla_cpu_experimental_ynn_fusion_type`: single dots, reductions and single
convolutions). For convolutions that is much slower than XLA's own convolution on the 2-core
x86-64 (AVX2) machine the benchmark runs on. One training step, the same program compiled both
ways, taking turns in one run:

    two-conv net, batch 128      107 ms with YNNPACK convolutions,  55 ms without (1.9x)
    four-conv net, batch 128    2327 ms                            567 ms         (4.1x)
    CIFAR-size ResNet, batch 64  565 ms                            360 ms         (1.6x)
    tiny MLP (no convolution)   0.28 ms                           0.27 ms         (the same)

So a program with a convolution keeps the library's dots and reductions and leaves convolutions
to XLA. Dropping the library altogether was no faster on these nets (52, 578 and 384 ms).
A jaxlib that does not know the option compiles with its defaults.

Measured and not taken: LLVM optimization level 1 (`xla_backend_optimization_level`; XLA's
default is 3) for the small steps of a dispatch-bound scan compiled them up to 9% faster and ran
as fast (an MLP 32-64-64-10 with Adam, K=16: 0.589 against 0.645 s, 7,237 against 7,198
steps/s), but its kernels round differently depending on how XLA fused the program: two programs
of the same step (the step graph and the closure-built step) then differed in the last bit.
"""
from __future__ import annotations

import functools

import jax

from .op_kinds import has_convolution

YNN_FUSION_TYPES = "xla_cpu_experimental_ynn_fusion_type"
WITHOUT_CONVOLUTION = "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"


def compiler_options(graphs, platform: str) -> dict:
    """The XLA options of a program over `graphs` on `platform` ({} for XLA's defaults).

    >>> compiler_options([conv_graph], "cpu")  # doctest: +SKIP
    {'xla_cpu_experimental_ynn_fusion_type': 'LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE'}
    """
    return convolution_options(platform) if has_convolution(graphs) else {}


def convolution_options(platform: str) -> dict:
    """The XLA options of a program with a convolution on `platform`."""
    if platform == "cpu" and _known(YNN_FUSION_TYPES, WITHOUT_CONVOLUTION):
        return {YNN_FUSION_TYPES: WITHOUT_CONVOLUTION}
    return {}


@functools.lru_cache(maxsize=None)
def _known(option: str, value: str) -> bool:
    """Whether this jaxlib's CPU compiler takes `option=value` (one tiny compile, once a process)."""
    try:
        jax.jit(lambda x: x + 1, compiler_options={option: value}).lower(1.0).compile()
        return True
    except Exception:  # noqa: BLE001 - an unknown option or value: keep XLA's defaults
        return False


def describe(options: dict) -> str:
    """How the options read in a loop plan's line ('' for XLA's defaults)."""
    return "; XLA convolutions, not YNNPACK's" if options.get(YNN_FUSION_TYPES) == WITHOUT_CONVOLUTION else ""
