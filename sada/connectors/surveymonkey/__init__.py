"""surveymonkey connector for survey responses."""
