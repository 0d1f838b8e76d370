"""Attention layers: MultiHeadAttention, Attention, and the EinsumDense projections MHA is
built from. The attention itself is one `dot_product_attention` IR node (ir/ops/attention.py)."""
from .attention_einsum_dense import EinsumDense
from .attention_luong import Attention
from .attention_multi_head import MultiHeadAttention

__all__ = ["Attention", "EinsumDense", "MultiHeadAttention"]
