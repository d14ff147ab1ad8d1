"""Observatoire des clauses sociales: shared product code (settings, identifiers, demo tooling)."""
