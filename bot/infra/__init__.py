"""Infra: the real implementations of the core's ports (git, arXiv HTTP, SQLite, YAML files)."""
