"""typeform connector for survey responses."""
