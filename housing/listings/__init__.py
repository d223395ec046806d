"""Listings, units, AMI charts, eligibility, and the public directory and listing pages."""
