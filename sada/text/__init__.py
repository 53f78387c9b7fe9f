"""Text understanding: language, normalization, sentiment, aspects, topics, PII."""
