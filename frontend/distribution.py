"""kerax.distribution: Keras 3's distribution API on JAX shardings.

DataParallel splits the batch over every device and replicates the state; ModelParallel also
lays variables out by a LayoutMap (regex keys, as Keras). The active distribution turns into
NamedShardings for the compiled step's inputs and outputs.

>>> kerax.distribution.set_distribution(kerax.distribution.DataParallel())  # doctest: +SKIP
"""
from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .naming import lookup_path

_active = None


def list_devices(device_type=None) -> list:
    devices = jax.devices(device_type) if device_type else jax.devices()
    return [f"{d.platform}:{d.id}" for d in devices]


def _resolve_devices(devices):
    if devices is None:
        return jax.devices()
    by_name = {f"{d.platform}:{d.id}": d for d in jax.devices()}
    return [by_name[d] if isinstance(d, str) else d for d in devices]


class DeviceMesh:
    """Devices arranged in a named grid.

    >>> mesh = DeviceMesh((2, 4), ("batch", "model"))  # doctest: +SKIP
    """

    def __init__(self, shape, axis_names, devices=None):
        shape, axis_names = tuple(shape), tuple(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh: `shape` {shape} and `axis_names` {axis_names} must have the same length")
        devices = _resolve_devices(devices)
        if int(np.prod(shape)) != len(devices):
            raise ValueError(f"DeviceMesh: shape {shape} needs {int(np.prod(shape))} devices, received {len(devices)}")
        self.shape, self.axis_names, self.devices = shape, axis_names, np.asarray(devices).reshape(shape)
        # jax.sharding.Mesh keeps Auto axes, where sharding constraints propagate (not just assert).
        self.jax_mesh = Mesh(self.devices, axis_names)


class TensorLayout:
    def __init__(self, axes, device_mesh=None):
        self.axes = tuple(axes)
        self.device_mesh = device_mesh


class LayoutMap:
    """Variable path regex -> TensorLayout (or a tuple of axis names). Exact matches win; several
    regex matches are an error; no match means replicated."""

    def __init__(self, device_mesh):
        self.device_mesh = device_mesh
        self._layouts = {}

    def __setitem__(self, key, layout):
        if not isinstance(layout, TensorLayout):
            layout = TensorLayout(layout, self.device_mesh)
        self._layouts[key] = layout

    def __getitem__(self, key):
        return lookup_path(self._layouts, key, "LayoutMap")

    def __contains__(self, key):
        return self[key] is not None

    def keys(self):
        return self._layouts.keys()


class Distribution:
    batch_dim_name = "batch"

    def __init__(self, device_mesh: DeviceMesh):
        self.device_mesh = device_mesh

    def _named(self, spec) -> NamedSharding:
        return NamedSharding(self.device_mesh.jax_mesh, spec)

    def variable_spec(self, variable) -> PartitionSpec:
        return PartitionSpec()

    def state_shardings(self, groups):
        return [[self._named(self.variable_spec(v)) for v in group] for group in groups]

    def data_sharding(self) -> NamedSharding:
        """Super-batches are [steps, batch, ...]: split the batch axis."""
        return self._named(PartitionSpec(None, self.batch_dim_name))

    def program_shardings(self, state_values) -> dict:
        state = jax.tree.map(lambda a: a.sharding, state_values)
        return {"in_shardings": (state, self.data_sharding()),
                "out_shardings": (None, state)}

    def place_superbatch(self, superbatch):
        sharding = self.data_sharding()
        if jax.process_count() == 1:
            return jax.device_put(superbatch, sharding)
        return jax.tree.map(lambda a: jax.make_array_from_process_local_data(sharding, a), superbatch)


class DataParallel(Distribution):
    """Replicate the state on every device, split each batch across them."""

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is None:
            devices = _resolve_devices(devices)
            device_mesh = DeviceMesh((len(devices),), ("batch",), devices)
        self.batch_dim_name = device_mesh.axis_names[0]
        super().__init__(device_mesh)


class ModelParallel(Distribution):
    """Lay variables out by `layout_map` over the mesh; split batches over `batch_dim_name`."""

    def __init__(self, *, layout_map=None, batch_dim_name=None, device_mesh=None, auto_shard_dataset=True):
        if layout_map is None and device_mesh is None:
            raise ValueError("ModelParallel: give `layout_map` (with its device mesh) or `device_mesh`")
        device_mesh = device_mesh or layout_map.device_mesh
        self.layout_map = layout_map or LayoutMap(device_mesh)
        self.batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        super().__init__(device_mesh)

    def variable_spec(self, variable) -> PartitionSpec:
        path = getattr(variable, "layout_path", None) or variable.path
        layout = self.layout_map[path]
        if layout is None:
            return PartitionSpec()
        if len(layout.axes) != len(variable.shape):
            raise ValueError(f"LayoutMap entry for '{variable.path}' has {len(layout.axes)} axes {layout.axes}, "
                             f"but the variable has shape {tuple(variable.shape)}")
        return PartitionSpec(*layout.axes)


class FullyShardedLayout:
    """The fully-sharded preset's layout map: every weight of at least `min_elements` elements
    is split over `axis` along its largest dimension that divides by the axis size; smaller
    ones stay replicated. Looked up by path and shape (`layout_for`), as the sharding pass does."""

    def __init__(self, device_mesh, axis: str | None = None, min_elements: int = 1024):
        self.device_mesh = device_mesh
        self.axis = axis or device_mesh.axis_names[0]
        if self.axis not in device_mesh.axis_names:
            raise ValueError(f"FullyShardedLayout: `axis` expected one of {device_mesh.axis_names}, received {axis!r}")
        self.size = device_mesh.shape[device_mesh.axis_names.index(self.axis)]
        self.min_elements = int(min_elements)

    def layout_for(self, path: str, shape) -> TensorLayout | None:
        if int(np.prod(shape)) < self.min_elements:
            return None
        dims = [d for d in sorted(range(len(shape)), key=lambda d: -shape[d]) if shape[d] % self.size == 0]
        if not dims:
            return None
        return TensorLayout(tuple(self.axis if d == dims[0] else None for d in range(len(shape))), self.device_mesh)

    def __getitem__(self, path):
        return None  # the layout depends on the shape: see layout_for


class FullyShardedDataParallel(ModelParallel):
    """Data parallelism with every large weight and its optimizer slots split over the data axis
    too (ZeRO-3 style), so each device holds 1/N of them.

    >>> kerax.distribution.set_distribution(FullyShardedDataParallel(min_elements=4096))  # doctest: +SKIP
    """

    def __init__(self, device_mesh=None, devices=None, min_elements: int = 1024):
        if device_mesh is None:
            devices = _resolve_devices(devices)
            device_mesh = DeviceMesh((len(devices),), ("batch",), devices)
        super().__init__(layout_map=FullyShardedLayout(device_mesh, min_elements=min_elements),
                         batch_dim_name=device_mesh.axis_names[0])


def set_distribution(value) -> None:
    global _active
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(f"set_distribution: expected a Distribution or None, received {value!r}")
    _active = value


def distribution():
    """The active distribution, or None."""
    return _active


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Start JAX's multi-process runtime (several hosts): `jax.distributed.initialize`."""
    coordinator = job_addresses.split(",")[0] if isinstance(job_addresses, str) else job_addresses
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes, process_id=process_id)
