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
