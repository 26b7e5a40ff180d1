"""Searchable archive of French-language press."""

__version__ = "0.1.0"
