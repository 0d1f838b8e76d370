"""kerax.tree, kerax.backend, kerax.random's draws and kerax.config's switches against Keras 3."""
import collections
import warnings

import numpy as np
import pytest

import kerax

Point = collections.namedtuple("Point", ["x", "y"])
STRUCTURES = [
    {"b": [1, 2, (3, None)], "a": {"z": 4, "y": Point(5, [6])}},
    [1, (2, 3), [], {"k": None}],
    (None,), 7, Point(x=1, y=(2, 3)),
]


def keras():
    import keras as k

    return k


@pytest.mark.parametrize("structure", STRUCTURES)
def test_tree_flattens_packs_and_maps_like_keras(structure):
    k = keras()
    assert kerax.tree.flatten(structure) == k.tree.flatten(structure)
    assert kerax.tree.flatten_with_path(structure) == k.tree.flatten_with_path(structure)
    assert kerax.tree.is_nested(structure) == k.tree.is_nested(structure)
    flat = list(range(len(k.tree.flatten(structure))))
    assert kerax.tree.pack_sequence_as(structure, flat) == k.tree.pack_sequence_as(structure, flat)
    double = lambda v: None if v is None else v * 2  # noqa: E731
    assert kerax.tree.map_structure(double, structure) == k.tree.map_structure(double, structure)
    assert kerax.tree.lists_to_tuples(structure) == k.tree.lists_to_tuples(structure)


def test_tree_structure_checks_and_traversal_like_keras():
    k = keras()
    a, b = {"x": [1, 2], "y": 3}, {"x": [4, 5], "y": 6}
    kerax.tree.assert_same_structure(a, b)
    for bad in ({"x": [1], "y": 3}, {"x": [1, 2], "z": 3}):
        with pytest.raises(ValueError):
            k.tree.assert_same_structure(a, bad)
        with pytest.raises(ValueError):
            kerax.tree.assert_same_structure(a, bad)
    with pytest.raises(ValueError):
        kerax.tree.assert_same_paths(a, {"x": [1, 2], "z": 3})
    kerax.tree.assert_same_paths(a, b)
    assert kerax.tree.map_structure(lambda x, y: x + y, a, b) == k.tree.map_structure(lambda x, y: x + y, a, b)
    shallow = {"x": 0, "y": 0}
    count = lambda v: len(v) if isinstance(v, list) else v  # noqa: E731
    assert kerax.tree.map_structure_up_to(shallow, count, a) == k.tree.map_structure_up_to(shallow, count, a)
    shapes = {"in": (None, 3), "out": [(2,), (4, 5)]}
    rank = lambda s: len(s)  # noqa: E731
    assert kerax.tree.map_shape_structure(rank, shapes) == k.tree.map_shape_structure(rank, shapes)
    structure = [1, [2, 3], {"a": 4}]
    for top_down in (True, False):
        for fn in (lambda n: n * 10 if isinstance(n, int) else None,
                   lambda n: k.tree.MAP_TO_NONE if n == 2 else None):
            ours_fn = (lambda n, fn=fn: kerax.tree.MAP_TO_NONE if fn(n) is k.tree.MAP_TO_NONE else fn(n))
            assert kerax.tree.traverse(ours_fn, structure, top_down) == k.tree.traverse(fn, structure, top_down)


def test_backend_dtype_helpers_match_keras():
    k = keras()
    with pytest.raises(ValueError, match="Invalid dtype"):
        kerax.backend.standardize_dtype("float")
    for dtype in ("int", "float16", np.float32, np.dtype("int8"), "bfloat16", "uint8", "bool", int, float, bool):
        assert kerax.backend.standardize_dtype(dtype) == k.backend.standardize_dtype(dtype), dtype
        assert kerax.backend.is_float_dtype(dtype) == k.backend.is_float_dtype(dtype), dtype
        assert kerax.backend.is_int_dtype(dtype) == k.backend.is_int_dtype(dtype), dtype
    for dtypes in (("int32", "float16"), ("int32", float), ("int8", "uint8"), ("bfloat16", "float16"), (),
                   ("bool", "int32"), ("float32", "float16")):
        assert kerax.backend.result_type(*dtypes) == k.backend.result_type(*dtypes), dtypes
    assert kerax.backend.is_keras_tensor(kerax.Input((2,))) and not kerax.backend.is_keras_tensor(np.ones(2))
    assert [kerax.backend.get_uid("x") for _ in range(3)] == [1, 2, 3]
    kerax.backend.clear_session()
    assert kerax.backend.get_uid("x") == 1
    assert (kerax.backend.floatx(), kerax.backend.epsilon(), kerax.backend.backend()) == ("float32", 1e-7, "jax")


@pytest.mark.parametrize("name,args,kwargs", [
    ("normal", ((3, 4),), {"mean": 1.0, "stddev": 2.0, "seed": 11}),
    ("normal", ((5,),), {"dtype": "float16", "seed": 4}),
    ("uniform", ((3, 4),), {"minval": -2.0, "maxval": 3.0, "seed": 12}),
    ("dropout", (np.arange(1.0, 13.0, dtype="float32").reshape(3, 4), 0.5), {"seed": 13}),
    ("dropout", (np.ones((3, 4), "float32"), 0.25), {"noise_shape": (3, 1), "seed": 14}),
    ("randint", ((3, 4), 0, 10), {"seed": 5}),
    ("truncated_normal", ((3, 4),), {"mean": 1.0, "stddev": 2.0, "seed": 7}),
    ("categorical", (np.log(np.array([[0.2, 0.8], [0.9, 0.1]], "float32")), 6), {"seed": 3}),
    ("shuffle", (np.arange(12).reshape(4, 3),), {"seed": 2}),
    ("shuffle", (np.arange(12).reshape(4, 3),), {"axis": 1, "seed": 2}),
])
def test_random_draws_give_keras_numbers_for_int_seeds(name, args, kwargs):
    ours = getattr(kerax.random, name)(*args, **kwargs)
    theirs = getattr(keras().random, name)(*args, **kwargs)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6, atol=1e-6)
    assert str(ours.dtype) == str(theirs.dtype)


def test_random_draws_refuse_bad_seeds_and_symbolic_keys():
    with pytest.raises(ValueError, match="seed"):
        kerax.random.randint((2,), 0, 3, seed="abc")
    generator = kerax.random.SeedGenerator(1)
    first, second = kerax.random.randint((4,), 0, 100, seed=generator), kerax.random.randint((4,), 0, 100, seed=generator)
    assert not np.array_equal(first, second)


def test_config_switches_have_keras_defaults_and_cap_fit():
    k = keras()
    for name in ("is_interactive_logging_enabled", "is_traceback_filtering_enabled", "is_flash_attention_enabled",
                 "max_epochs", "max_steps_per_epoch", "is_nnx_enabled"):
        assert getattr(kerax.config, name)() == getattr(k.config, name)(), name
    with pytest.raises(ValueError, match="jax"):
        kerax.config.set_backend("torch")
    with pytest.raises(ValueError, match="set_max_epochs"):
        kerax.config.set_max_epochs(0)
    model = kerax.Sequential([kerax.Input((2,)), kerax.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    kerax.config.set_max_epochs(2)
    kerax.config.set_max_steps_per_epoch(1)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(x, y, batch_size=2, epochs=5, verbose=0)
        assert len(history.history["loss"]) == 2
        assert int(model.optimizer.iterations.value) == 2  # one step in each of two epochs
        assert any("Limiting epochs to 2" in str(w.message) for w in caught)
    finally:
        kerax.config.set_max_epochs(None)
        kerax.config.set_max_steps_per_epoch(None)
