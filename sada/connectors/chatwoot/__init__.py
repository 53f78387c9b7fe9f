"""Chatwoot: signed webhooks and conversation exports (see README.md)."""
