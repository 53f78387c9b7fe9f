"""Segment-compatible tracking API, so Segment and RudderStack SDKs can point at Sada."""
