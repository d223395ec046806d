"""The activity log: who did what, when, to which record."""
