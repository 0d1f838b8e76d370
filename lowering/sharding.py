"""NamedShardings from IR sharding annotations and from data layouts."""
from __future__ import annotations

from jax.sharding import NamedSharding, PartitionSpec


def partition_spec(sharding) -> PartitionSpec:
    """IR sharding (mesh axes per dim) -> PartitionSpec. None: replicated."""
    if sharding is None:
        return PartitionSpec()
    return PartitionSpec(*(None if not axes else axes[0] if len(axes) == 1 else tuple(axes) for axes in sharding))


def named_sharding(mesh, sharding) -> NamedSharding:
    return NamedSharding(mesh, partition_spec(sharding))


def replicated(mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec())


def batch_sharded(mesh, batch_axis: str, rank: int, leading: int = 0) -> NamedSharding:
    """Split the batch dimension (after `leading` stacked-step dims) over `batch_axis`."""
    spec = [None] * rank
    spec[leading] = batch_axis
    return NamedSharding(mesh, PartitionSpec(*spec))


def superbatch_sharding(graph, mesh) -> NamedSharding:
    """Where a super-batch ([steps, batch, ...]) of `graph`'s data lives, read from the batch
    annotation the sharding pass wrote on its data inputs (the leading steps axis stays whole).
    One sharding serves every leaf of the super-batch (x, y and sample weights alike).

    >>> superbatch_sharding(program.graph, mesh).spec  # doctest: +SKIP
    PartitionSpec(None, 'batch')
    """
    splits = {(gi.value.type.sharding or ((),))[0] for gi in graph.data_inputs}
    if len(splits) > 1:
        raise ValueError(f"Graph {graph.name!r}: its data inputs split their batch over different mesh axes "
                         f"{sorted(splits)}; a super-batch has one batch layout")
    axes = splits.pop() if splits else ()
    if not axes:
        return replicated(mesh)
    return NamedSharding(mesh, PartitionSpec(None, axes[0] if len(axes) == 1 else tuple(axes)))
