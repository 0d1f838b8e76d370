"""Mistakes raise errors that name the layer or argument, what was expected and what was received."""
import numpy as np
import pytest

import kerax


def test_shape_mismatch_between_layers_names_the_layer_and_the_shapes():
    dense = kerax.layers.Dense(4, name="head")
    dense(kerax.Input((64,)))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'head' is incompatible with the layer: expected axis -1 of "
                                         r"input shape to have value 64, but received input with shape \(None, 32\)"):
        dense(kerax.Input((32,)))


def test_shape_mismatch_when_calling_a_model_on_arrays():
    model = kerax.Sequential([kerax.Input((8,)), kerax.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"expected shape \(None, 8\), received shape \(3, 5\)"):
        model.predict(np.zeros((3, 5), np.float32), verbose=0)


def two_inputs():
    a, b = kerax.Input((3,), name="text"), kerax.Input((2,), name="question")
    model = kerax.Model([a, b], kerax.layers.Dense(1)(kerax.layers.concatenate([a, b])))
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_wrong_number_of_inputs():
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) \['text', 'question'\], received 1"):
        two_inputs().predict(np.zeros((4, 3), np.float32), verbose=0)


def test_wrong_input_names():
    with pytest.raises(ValueError, match=r"expects inputs named \['text', 'question'\]; received keys \['answer', 'text'\]"):
        two_inputs().predict({"text": np.zeros((4, 3), np.float32), "answer": np.zeros((4, 2), np.float32)}, verbose=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"loss": "mean_squared_eror"}, r"Unknown loss.*mean_squared_eror"),
    ({"loss": "mse", "metrics": ["acuracy"]}, r"Unknown metric.*acuracy"),
    ({"loss": "mse", "optimizer": "adamm"}, r"Unknown optimizer 'adamm'"),
])
def test_unknown_strings_in_compile(kwargs, message):
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(1)])
    with pytest.raises(ValueError, match=message):
        model.compile(**{"optimizer": "sgd", **kwargs})


def test_non_integer_labels_for_sparse_cross_entropy():
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(4)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"integer class indices.*float labels"):
        model.fit(np.zeros((8, 3), np.float32), np.full((8,), 0.5, np.float32), verbose=0)


def test_bad_layer_arguments_name_the_argument():
    with pytest.raises(ValueError, match=r"Dense: argument `units` must be a positive integer, received 0"):
        kerax.layers.Dense(0)
    with pytest.raises(TypeError, match=r"unrecognized keyword arguments \['unit'\]"):
        kerax.layers.Dense(3, unit=4)
    with pytest.raises(ValueError, match=r"Dropout: argument `rate` must be a number in \[0, 1\], received 1.5"):
        kerax.layers.Dropout(1.5)


def test_fit_before_compile_and_mismatched_data():
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(1)])
    with pytest.raises(RuntimeError, match=r"must call compile\(\) on model 'sequential' before calling fit\(\)"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"different numbers of samples \[4, 5\]"):
        model.fit(np.zeros((4, 3)), np.zeros((5, 1)), verbose=0)


def test_graph_disconnected():
    a, b = kerax.Input((3,)), kerax.Input((3,))
    out = kerax.layers.add([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        kerax.Model(a, out)
