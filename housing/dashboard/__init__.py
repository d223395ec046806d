"""The staff dashboard: charts of a listing's applications, eligibility and lease-up."""
