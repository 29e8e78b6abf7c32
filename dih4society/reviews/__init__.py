"""The reviews feature package."""
