"""Askshot: screenshot-and-ask desktop assistant."""

__version__ = "0.1.0"
