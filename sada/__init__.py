"""Sada: customer and audience experience management."""

__version__ = "0.1.0"
