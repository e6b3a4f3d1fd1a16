"""Fixtures: the model, the YAML loader, matching and templating."""
