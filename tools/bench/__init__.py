"""Benchmarks: kerax beside a hand-written JAX reference and Keras 3, measured in one run."""
