"""Realistic, deterministic demo data for the Observatoire des clauses sociales.

``python -m demo_generator --preset demo --seed 2024 --out DIR`` writes clause-tracking exports (exchange format,
as coordinations really export them), maîtres d'ouvrage commitments and DECP 2024-format files, plus a
``manifest.json`` that tests read. Everything is synthetic except the reference data it draws from
(``demo_data/ref``: communes, SIAE/GEIQ SIRETs, CPV codes; ``demo_data/decp/real_tabular``: buyer SIRETs).
"""

from demo_generator.generate import generate
from demo_generator.presets import PRESETS, Preset

__all__ = ["PRESETS", "Preset", "generate"]
