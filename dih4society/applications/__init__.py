"""The applications feature package."""
