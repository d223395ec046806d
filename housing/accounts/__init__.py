"""Users, roles, sign-in with two-factor codes, and who may see what."""
