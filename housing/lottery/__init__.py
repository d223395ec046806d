"""The auditable lottery: freeze, seed, draw (pure), publish, verify."""
