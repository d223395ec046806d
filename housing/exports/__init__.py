"""Exports: a listing's applications and lottery results as CSV or XLSX, made by a job."""
