"""Routers of the pages, one module per audience."""
