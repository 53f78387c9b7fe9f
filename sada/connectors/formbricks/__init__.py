"""formbricks connector for survey responses."""
