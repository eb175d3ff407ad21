"""Search: see the modules of this package."""
