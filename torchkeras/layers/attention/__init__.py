"""Attention layers: MultiHeadAttention, GroupQueryAttention, Attention, AdditiveAttention."""

__all__ = []
