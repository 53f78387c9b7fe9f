"""Intercom conversation exports (see README.md)."""
