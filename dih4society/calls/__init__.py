"""Calls for applications: windows, eligibility, a money cap, and competitive ranking."""
