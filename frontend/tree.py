"""kerax.tree: Keras 3's `keras.tree` — nested structures (lists, tuples, namedtuples, dicts)
flattened, mapped and rebuilt, with None a leaf and dicts in sorted-key order, as Keras does.

>>> kerax.tree.flatten({"b": [1, 2], "a": None})
[None, 1, 2]
>>> kerax.tree.map_structure(lambda x: x * 2, (1, [2]))
(2, [4])
"""
from __future__ import annotations

import collections

import jax

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path",
           "is_nested", "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to",
           "pack_sequence_as", "traverse"]


class MAP_TO_NONE:  # noqa: N801  (Keras's name)
    """Returned by a `traverse` function to put None in place of a node."""


def _none_leaf(x) -> bool:
    return x is None


def _nested_kind(x):
    if isinstance(x, (list, tuple, dict, collections.OrderedDict)) or _is_namedtuple(x):
        return True
    return False


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure) -> bool:
    """True for lists, tuples (named too) and dicts."""
    return _nested_kind(structure)


def flatten(structure) -> list:
    return jax.tree.leaves(structure, is_leaf=_none_leaf)


def _path_entry(key, node_fields=None):
    if isinstance(key, jax.tree_util.SequenceKey):
        return key.idx
    if isinstance(key, jax.tree_util.DictKey):
        return key.key
    if isinstance(key, jax.tree_util.GetAttrKey):
        return key.name
    return getattr(key, "key", key)


def flatten_with_path(structure) -> list:
    """[(path, leaf)]: a path is the tuple of indices and keys from the root to the leaf."""
    pairs, _ = jax.tree_util.tree_flatten_with_path(structure, is_leaf=_none_leaf)
    out = []
    for keys, leaf in pairs:
        path, node = [], structure
        for key in keys:
            if isinstance(key, jax.tree_util.GetAttrKey) and _is_namedtuple(node):
                entry = type(node)._fields.index(key.name)  # namedtuple fields by position, as Keras
            else:
                entry = _path_entry(key)
            path.append(entry)
            node = node[entry] if not isinstance(key, jax.tree_util.GetAttrKey) else getattr(node, key.name)
        out.append((tuple(path), leaf))
    return out


def pack_sequence_as(structure, flat_sequence):
    """The leaves of `flat_sequence`, in order, put into the shape of `structure`."""
    treedef = jax.tree.structure(structure, is_leaf=_none_leaf)
    flat = list(flat_sequence)
    if len(flat) != treedef.num_leaves:
        raise ValueError(f"kerax.tree.pack_sequence_as: the structure has {treedef.num_leaves} leaves but "
                         f"flat_sequence has {len(flat)} elements")
    return jax.tree.unflatten(treedef, flat)


def assert_same_structure(a, b, check_types=None):
    """Raise ValueError unless a and b nest alike (same containers, same keys, same lengths)."""
    sa, sb = jax.tree.structure(a, is_leaf=_none_leaf), jax.tree.structure(b, is_leaf=_none_leaf)
    if sa != sb and not _same_ignoring_list_tuple(a, b):
        raise ValueError(f"The two structures don't have the same nested structure: {sa} and {sb}")


def _same_ignoring_list_tuple(a, b) -> bool:
    return jax.tree.structure(lists_to_tuples(a), is_leaf=_none_leaf) == \
        jax.tree.structure(lists_to_tuples(b), is_leaf=_none_leaf)


def assert_same_paths(a, b):
    """Raise ValueError unless a and b have the same set of leaf paths."""
    paths_a = {p for p, _ in flatten_with_path(a)}
    paths_b = {p for p, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(f"`a` and `b` don't have the same paths: only in a: {sorted(map(str, paths_a - paths_b))}, "
                         f"only in b: {sorted(map(str, paths_b - paths_a))}")


def map_structure(func, *structures, none_is_leaf=True):
    """func applied leaf by leaf across structures that nest alike; the first one's shape is kept."""
    if not structures:
        raise ValueError("kerax.tree.map_structure: give at least one structure")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    is_leaf = _none_leaf if none_is_leaf else None
    treedef = jax.tree.structure(structures[0], is_leaf=is_leaf)
    columns = [treedef.flatten_up_to(s) for s in structures]
    return jax.tree.unflatten(treedef, [func(*leaves) for leaves in zip(*columns)])


def map_structure_up_to(shallow_structure, func, *structures):
    """func applied to the sub-structures found at the leaves of `shallow_structure`."""
    treedef = jax.tree.structure(shallow_structure, is_leaf=_none_leaf)
    columns = [treedef.flatten_up_to(s) for s in structures]
    return jax.tree.unflatten(treedef, [func(*parts) for parts in zip(*columns)])


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(isinstance(d, int) or d is None for d in x)


def map_shape_structure(func, structure):
    """map_structure where a tuple/list of ints and None (a shape) is one leaf."""
    return jax.tree.map(func, structure, is_leaf=lambda x: x is None or _is_shape(x))


def lists_to_tuples(structure):
    """Every list in the structure made a tuple."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(v) for v in structure)
    if isinstance(structure, dict):
        return type(structure)((k, lists_to_tuples(v)) for k, v in structure.items())
    if _is_namedtuple(structure):
        return type(structure)(*(lists_to_tuples(v) for v in structure))
    if isinstance(structure, tuple):
        return tuple(lists_to_tuples(v) for v in structure)
    return structure


def _rebuild(node, children):
    if isinstance(node, dict):
        return type(node)((k, children[k]) for k in node)
    if _is_namedtuple(node):
        return type(node)(*children)
    return type(node)(children)


def _children(node):
    if isinstance(node, dict):
        return {k: node[k] for k in node}
    return list(node)


def traverse(func, structure, top_down=True):
    """Visit every node. Top down: a non-None result of func replaces the node (and its subtree
    is not entered); MAP_TO_NONE replaces it by None. Bottom up: func sees each node after its
    children were visited and rebuilt; a None result keeps the rebuilt node."""
    def visit(node):
        if top_down:
            result = func(node)
            if result is MAP_TO_NONE:
                return None
            if result is not None:
                return result
            if not is_nested(node):
                return node
            children = _children(node)
            items = children.items() if isinstance(children, dict) else enumerate(children)
            rebuilt = {k: visit(v) for k, v in items} if isinstance(children, dict) else [visit(v) for _, v in items]
            return _rebuild(node, rebuilt)
        if is_nested(node):
            children = _children(node)
            if isinstance(children, dict):
                node = _rebuild(node, {k: visit(v) for k, v in children.items()})
            else:
                node = _rebuild(node, [visit(v) for v in children])
        result = func(node)
        if result is MAP_TO_NONE:
            return None
        return node if result is None else result

    return visit(structure)
