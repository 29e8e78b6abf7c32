"""The catalogue feature package."""
