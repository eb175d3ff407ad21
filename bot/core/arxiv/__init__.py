"""Arxiv: see the modules of this package."""
