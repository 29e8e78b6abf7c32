"""The assessments feature package."""
