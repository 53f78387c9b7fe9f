"""Google Forms responses CSV (see README.md)."""
