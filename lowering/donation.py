"""Donating the training state to a program, unless the program calls back into Python.

A dispatch donates the state, so XLA updates it in place. When the program fails after the
donation, the donated buffers are already deleted and the state of the last completed execution
is gone. A program of registered ops does not fail at run time, except by running out of memory;
a program that calls back into Python does: a `jax.debug.callback`, `io_callback` or
`pure_callback` in a layer's raw JAX, or in a user's `train_step`, may raise, and XLA reports
that as a `JaxRuntimeError` after the donation. (A donating program that still fails, e.g. out
of memory, loses the state; the runtime then falls back on the last backup a BackupAndRestore
wrote, if the fit has one: runtime/state.py.)

So the first call traces the donating program (a trace that the call reuses: no extra work) and
reads its jaxpr; only a program with a host callback is compiled again without donation. Its
outputs then get fresh buffers while the inputs stay alive until the call returns: no copy is
made, but the state's memory is held twice during the call. What that costs is measured on the
tiny MLP at steps_per_execution=1 by `python -m kerax.tools.bench tiny_mlp --no-keras`
(kerax_spe1 against kerax_spe1_kept, contenders of one run).
"""
from __future__ import annotations

import jax

HOST_CALLBACKS = frozenset({"debug_callback", "io_callback", "pure_callback", "callback"})


def calls_host(jaxpr) -> bool:
    """Whether a (closed) jaxpr, or any jaxpr nested in its equations (scan, cond, pjit, custom
    derivatives), calls back into Python."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    for eqn in jaxpr.eqns:
        if eqn.primitive.name in HOST_CALLBACKS:
            return True
        for param in eqn.params.values():
            for sub in param if isinstance(param, (tuple, list)) else (param,):
                if hasattr(sub, "eqns") or hasattr(getattr(sub, "jaxpr", None), "eqns"):
                    if calls_host(sub):
                        return True
    return False


class StateProgram:
    """`jax.jit(make(True), donate_argnums=0)`, or, when its jaxpr calls back into Python,
    `jax.jit(make(False))` without donation. `make(counted)` returns the pure function; the
    uncounted one does not add to the compilation count (its trace replaces, not adds to, the
    donating one, which is never compiled).

    >>> program = StateProgram(lambda counted: (lambda state, x: ([s + x for s in state], x)))
    >>> program([1.0], 2.0)[0][0].item(), program.host_callbacks
    (3.0, False)
    """

    def __init__(self, make, **jit_kwargs):
        self._make = make
        self._jit_kwargs = jit_kwargs
        self.compiler_options = {}  # XLA's options (xla_options.py), set before the first call
        self._donating = None
        self.host_callbacks = None  # known after the first call
        self._chosen = None

    @property
    def donating(self):
        if self._donating is None:
            self._donating = jax.jit(self._make(True), donate_argnums=0, **self._jit_options())
        return self._donating

    def _jit_options(self) -> dict:
        return {**self._jit_kwargs, "compiler_options": self.compiler_options or None}

    def __call__(self, state, batch):
        if self._chosen is None:
            self.host_callbacks = calls_host(self.donating.trace(state, batch).jaxpr)
            self._chosen = self._kept() if self.host_callbacks else self.donating
        return self._chosen(state, batch)

    def keep_inputs(self) -> None:
        """Run without donation from now on, as a program with a host callback does (the
        benchmark measures what that costs)."""
        self._chosen = self._kept()

    def _kept(self):
        return jax.jit(self._make(False), **self._jit_options())

    def lower(self, *args, **kwargs):
        return (self._chosen or self.donating).lower(*args, **kwargs)

    def trace(self, *args, **kwargs):
        return (self._chosen or self.donating).trace(*args, **kwargs)
