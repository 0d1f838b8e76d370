"""More elementwise ops (NumPy's and jax.nn's), registered from tables as elementwise.py does.

Ops with attributes take them as keywords; the frontend passes only literals (numbers,
strings, tuples), never functions.
"""
import jax
import jax.numpy as jnp

from ..registry import ELEMENTWISE, register

# name: (lowering, one-line meaning)
UNARY = {
    "arccos": (jnp.arccos, "inverse cosine"),
    "arccosh": (jnp.arccosh, "inverse hyperbolic cosine"),
    "arcsin": (jnp.arcsin, "inverse sine"),
    "arcsinh": (jnp.arcsinh, "inverse hyperbolic sine"),
    "arctan": (jnp.arctan, "inverse tangent"),
    "arctanh": (jnp.arctanh, "inverse hyperbolic tangent"),
    "tan": (jnp.tan, "tangent"),
    "sinh": (jnp.sinh, "hyperbolic sine"),
    "cosh": (jnp.cosh, "hyperbolic cosine"),
    "cbrt": (jnp.cbrt, "cube root"),
    "deg2rad": (jnp.deg2rad, "degrees to radians"),
    "rad2deg": (jnp.rad2deg, "radians to degrees"),
    "exp2": (jnp.exp2, "2**x"),
    "log2": (jnp.log2, "base-2 logarithm"),
    "log10": (jnp.log10, "base-10 logarithm"),
    "fabs": (jnp.fabs, "|x| as a float"),
    "trunc": (jnp.trunc, "round towards zero"),
    "isfinite": (jnp.isfinite, "x is neither infinite nor NaN"),
    "isinf": (jnp.isinf, "x is +-inf"),
    "isneginf": (jnp.isneginf, "x is -inf"),
    "isposinf": (jnp.isposinf, "x is +inf"),
    "isreal": (jnp.isreal, "x has no imaginary part"),
    "signbit": (jnp.signbit, "the sign bit of x is set"),
    "sinc": (jnp.sinc, "sin(pi x) / (pi x)"),
    "i0": (jnp.i0, "modified Bessel function of order 0"),
    "conj": (jnp.conjugate, "complex conjugate"),
    "real": (jnp.real, "real part"),
    "imag": (jnp.imag, "imaginary part"),
    "angle": (jnp.angle, "complex argument"),
    "erfc": (jax.scipy.special.erfc, "1 - erf(x)"),
    "erfinv": (jax.scipy.special.erfinv, "inverse error function"),
    "bitwise_invert": (jnp.invert, "bitwise not"),
    "copy": (jnp.array, "a copy of x"),
    "log_sigmoid": (jax.nn.log_sigmoid, "log(sigmoid(x))"),
    "hard_tanh": (jax.nn.hard_tanh, "x limited to [-1, 1]"),
    "sparse_plus": (jax.nn.sparse_plus, "0 below -1, (x + 1)**2 / 4 on [-1, 1], x above"),
    "sparse_sigmoid": (jax.nn.sparse_sigmoid, "0 below -1, (x + 1) / 2 on [-1, 1], 1 above"),
    "tanh_shrink": (lambda x: x - jnp.tanh(x), "x - tanh(x)"),
    "celu": (jax.nn.celu, "max(x, 0) + min(0, alpha * (e**(x / alpha) - 1)); attr alpha"),
    "squareplus": (jax.nn.squareplus, "(x + sqrt(x**2 + b)) / 2; attr b"),
}

BINARY = {
    "arctan2": (jnp.arctan2, "angle of the point (x2, x1)"),
    "fmod": (jnp.fmod, "remainder with the sign of x1"),
    "fmax": (jnp.fmax, "larger of x1, x2, ignoring NaN"),
    "fmin": (jnp.fmin, "smaller of x1, x2, ignoring NaN"),
    "gcd": (jnp.gcd, "greatest common divisor"),
    "lcm": (jnp.lcm, "least common multiple"),
    "heaviside": (jnp.heaviside, "step function: 0, x2 at 0, 1"),
    "hypot": (jnp.hypot, "sqrt(x1**2 + x2**2)"),
    "ldexp": (jnp.ldexp, "x1 * 2**x2"),
    "logaddexp": (jnp.logaddexp, "log(exp(x1) + exp(x2))"),
    "logaddexp2": (jnp.logaddexp2, "log2(2**x1 + 2**x2)"),
    "logical_xor": (jnp.logical_xor, "boolean exclusive or"),
    "nextafter": (jnp.nextafter, "the next float after x1 towards x2"),
    "bitwise_and": (jnp.bitwise_and, "bitwise and"),
    "bitwise_or": (jnp.bitwise_or, "bitwise or"),
    "bitwise_xor": (jnp.bitwise_xor, "bitwise exclusive or"),
    "left_shift": (jnp.left_shift, "x1 << x2"),
    "right_shift": (jnp.right_shift, "x1 >> x2"),
    "complex": (jax.lax.complex, "real + i * imag"),
    "divide_no_nan": (lambda x1, x2: jnp.where(x2 == 0, 0, jnp.true_divide(x1, jnp.where(x2 == 0, 1, x2))),
                      "x1 / x2, 0 where x2 is 0"),
}

for _name, (_fn, _doc) in {**UNARY, **BINARY}.items():
    register(_name, ELEMENTWISE, _doc)(_fn)


@register("hard_shrink", ELEMENTWISE, "x where |x| > threshold, else 0")
def _hard_shrink(x, *, threshold):
    return jnp.where(jnp.abs(x) > threshold, x, 0.0).astype(x.dtype)


@register("soft_shrink", ELEMENTWISE, "x moved towards 0 by threshold, 0 within it")
def _soft_shrink(x, *, threshold):
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0)).astype(x.dtype)


@register("threshold", ELEMENTWISE, "x where x > threshold, else default_value")
def _threshold(x, *, threshold, default_value):
    return jnp.where(x > threshold, x, default_value).astype(x.dtype)


@register("nan_to_num", ELEMENTWISE, "NaN and +-inf replaced by finite numbers")
def _nan_to_num(x, *, nan, posinf, neginf):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@register("isclose", ELEMENTWISE, "|x1 - x2| <= atol + rtol * |x2|")
def _isclose(x1, x2, *, rtol, atol, equal_nan):
    return jnp.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


@register("polar", ELEMENTWISE, "the complex number with modulus abs_ and argument angle")
def _polar(abs_, angle):
    return abs_ * jnp.exp(1j * angle.astype("complex64"))
