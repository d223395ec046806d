"""Listing alerts: residents hear when a listing that suits them opens for applications."""
