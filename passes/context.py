"""What a pass may know about the program it rewrites, besides the graph itself.

The context is fixed for one pipeline run: the step's mode, the platform XLA compiles for, the
device mesh and layout map of the active distribution, and the dtype policy. Passes read it and
never change it; the pipeline itself may differ by mode (`default_pipeline(context)`).
"""
from __future__ import annotations

from dataclasses import dataclass

MODES = ("train", "test", "predict")


@dataclass(frozen=True)
class PassContext:
    """Read-only facts every pass receives.

    >>> PassContext(mode="predict", platform="cpu").training
    False
    """

    mode: str = "predict"
    platform: str = "cpu"
    mesh: object = None          # a jax.sharding.Mesh, or None on one device
    layout_map: object = None    # path -> mesh axes per dimension (kerax.distribution.LayoutMap), or None
    batch_axis: str | None = None  # the mesh axis the batch is split over
    dtype_policy: str = "float32"  # the global policy's name, e.g. "mixed_bfloat16"
    # (input name, variable path) pairs: a variable laid out like another, as an optimizer slot is
    # laid out like its weight (Keras's `add_variable_from_reference` passes the layout on)
    layout_aliases: tuple = ()

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"PassContext: `mode` expected one of {MODES}, received {self.mode!r}")

    @property
    def training(self) -> bool:
        return self.mode == "train"

    @property
    def mesh_axes(self) -> dict | None:
        """The mesh's axes and their sizes, for the verifier; None without a mesh."""
        return None if self.mesh is None else dict(self.mesh.shape)
