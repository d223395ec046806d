"""Personal data kept no longer than it is needed, and a resident's copy of what is held."""
