"""The organisations feature package."""
