"""Nested structures of tensors (lists, tuples, dicts), mapped and flattened with JAX's pytrees."""
import jax


def flatten(structure) -> list:
    return jax.tree.leaves(structure)


def map_structure(fn, structure):
    return jax.tree.map(fn, structure)


def pack_like(structure, flat: list):
    return jax.tree.unflatten(jax.tree.structure(structure), flat)
