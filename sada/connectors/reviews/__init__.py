"""App-store and review-site reviews (see README.md)."""
