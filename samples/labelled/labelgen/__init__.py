"""Builders of the labelled detection corpus (see ../README.md)."""
