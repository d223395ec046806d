"""Lease-up: after the results are published, offering the units in ranked order."""
