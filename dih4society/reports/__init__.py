"""The reports feature package."""
