"""Messaging channels both ways: WhatsApp Business Cloud API and Telegram Bot API.

Inbound webhooks (signature-verified) become interactions; outbound sends go through the
SSRF guard as jobs retried with backoff. Other domains reach people on these channels
through the `message_channels` hook of the domain manifest (see `sada.channels.service`).
"""
