"""The auth feature package."""
