"""The budget feature package."""
