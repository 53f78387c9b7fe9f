"""Zendesk: tickets, comments/audits and satisfaction ratings (see README.md)."""
