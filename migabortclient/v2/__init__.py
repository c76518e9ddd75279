"""Compute API v2 (microversions 2.1 to 2.104)."""
