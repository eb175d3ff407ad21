"""Candidates: see the modules of this package."""
