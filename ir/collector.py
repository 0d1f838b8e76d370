"""The garbage collector paused while a graph is built or rewritten.

Tracing and the passes make objects that live as long as the graph does; the full collections
they trigger scan the whole heap again and again, which makes deep graphs superlinear (10,000
layers traced in 2.9 s with the collector on, 2.1 s off; 1,000 in 0.21 s). Nothing they make
forms reference cycles that need collecting before they end.
"""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """Pause the collector for the block; nested uses leave it to the outermost one."""
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
