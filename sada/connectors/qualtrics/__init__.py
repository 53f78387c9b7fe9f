"""qualtrics connector for survey responses."""
