"""dlt sources: one package per source family (DECP, clause tracking, registries, reference data)."""
