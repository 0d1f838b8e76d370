"""EinsumDense: a dense layer whose contraction is any einsum `input,kernel->output`.

The projections of MultiHeadAttention are EinsumDense layers, as in Keras 3.
"""
from __future__ import annotations

import re

from .. import activations, constraints, initializers, ops, regularizers
from .core import _serialize
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["EinsumDense"]


class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`; `output_shape` gives the output's
    sizes after the batch axis (None: the input's size there), `bias_axes` the output letters
    that carry a bias.

    >>> layer = EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")
    >>> layer(np.ones((2, 5, 16), "float32")).shape
    (2, 5, 4, 8)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, gptq_unpacked_column_size=None,
                 quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("lora_rank", lora_rank), ("quantization_config", quantization_config),
                            ("gptq_unpacked_column_size", gptq_unpacked_column_size)):
            if value is not None:
                raise NotImplementedError(f"Layer EinsumDense: argument `{name}` (LoRA / quantization) is not supported "
                                          f"by kerax; received {value!r}")
        if not isinstance(equation, str):
            raise ValueError(f"Layer EinsumDense: argument `equation` must be a string such as 'ab,bc->ac', "
                             f"received {equation!r}")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.bias = None

    def build(self, input_shape):
        kernel_shape, bias_shape, full_output_shape, input_axes, output_axes = analyze_einsum_string(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape, self.name)
        self.full_output_shape = tuple(full_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            # Keras computes the fans of an einsum kernel from the axes the equation gives them.
            init = type(init).from_config({**init.get_config(), "input_axes": input_axes, "output_axes": output_axes})
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=init,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def call(self, inputs, training=None):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x)

    def get_config(self):
        return {**super().get_config(), "output_shape": self.partial_output_shape, "equation": self.equation,
                "activation": activations.serialize(self.activation), "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": _serialize(self.kernel_regularizer),
                "bias_regularizer": _serialize(self.bias_regularizer),
                "activity_regularizer": _serialize(self.activity_regularizer),
                "kernel_constraint": _serialize(self.kernel_constraint),
                "bias_constraint": _serialize(self.bias_constraint), "quantization_config": None}


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape, layer="einsum_dense"):
    """(kernel shape, bias shape, full output shape, kernel input axes, kernel output axes), as
    Keras 3 derives them; `...` may stand for leading or trailing axes."""
    plain = equation.replace("...", "0")
    for pattern, left_elided in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                                 ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                                 ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False)):
        match = re.match(pattern, plain)
        if match:
            return _analyze_split(*match.groups(), bias_axes, input_shape, output_shape, left_elided, layer)
    raise ValueError(f"Layer '{layer}': invalid einsum equation {equation!r}; expected the form [X],[Y]->[Z], "
                     "...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...")


def _analyze_split(input_spec, weight_spec, output_spec, bias_axes, input_shape, output_shape, left_elided, layer):
    elided = len(input_shape) - len(input_spec)
    output_shape = [input_shape[0], *output_shape]
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_dim = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim = {d: i for i, d in enumerate(input_spec)}
        output_dim = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in output_dim and output_shape[output_dim[d]] is not None \
                and output_shape[output_dim[d]] != input_shape[input_dim[d]]:
            raise ValueError(f"Layer '{layer}': input and output shapes differ at shared einsum dimension '{d}': "
                             f"input has {input_shape[input_dim[d]]}, output_shape asks {output_shape[output_dim[d]]}")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"Layer '{layer}': output dimension '{d}' of the equation appears in neither the input "
                             f"spec '{input_spec}' nor the weight spec '{weight_spec}'")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_dim:
            kernel_shape.append(output_shape[output_dim[d]])
            output_axes.append(i)
        elif d in input_dim:
            kernel_shape.append(input_shape[input_dim[d]])
            input_axes.append(i)
        else:
            raise ValueError(f"Layer '{layer}': weight dimension '{d}' appears in neither the input spec "
                             f"'{input_spec}' nor the output spec '{output_spec}'")
    if any(d is None for d in kernel_shape):
        raise ValueError(f"Layer '{layer}': the kernel shape {kernel_shape} has unknown sizes; the input axes it "
                         f"contracts must be known and `output_shape` must give its output sizes")
    bias_shape = None
    if bias_axes is not None:
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"Layer '{layer}': bias dimension '{d}' is not part of the output spec '{output_spec}'")
        left = elided if left_elided else 0
        sizes = {d: output_shape[i + left] for i, d in enumerate(output_spec)}
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [sizes[d] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * elided)
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes
