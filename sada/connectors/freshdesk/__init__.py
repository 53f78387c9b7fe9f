"""Freshdesk ticket exports (see README.md)."""
