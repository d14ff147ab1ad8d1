"""dlt source of the reference data (dataset ``raw_reference``): geography and nomenclatures.

One table per file of the reference folder (``OBSERVATOIRE_REFERENCE_DIR``, see ``demo_data/ref/README.md``
for provenance), every value as text, plus ``source_file`` (path relative to the folder),
``source_sha256`` (content hash) and ``reference_table`` (the table name, merge key):

=====================  ===============================================
``cog_communes``       ``cog/cog2026_communes_france_v_commune.csv``
``cog_communes_idf``   ``cog/cog2026_communes_idf_enriched.csv``
``cog_departements``   ``cog/cog_departements.csv``
``cog_regions``        ``cog/cog_regions.csv``
``ept_mgp``            ``cog/ept_mgp_2025.csv``
``epci_idf``           ``cog/epci_idf_2025.csv``
``cpv``                ``nomenclatures/cpv2008_fr.csv``
``naf``                ``nomenclatures/naf_rev2_sous_classes_hierarchie.csv``
=====================  ===============================================

A table is rewritten whole when its file's content changes and left as it is otherwise (the last loaded
hash lives in the dlt resource state). See :mod:`.source` for why the write disposition is a
``delete-insert`` merge on a constant key rather than ``replace``.
"""

from __future__ import annotations

from .files import REFERENCE_DIR_ENV, REFERENCE_FILES, ReferenceFile, ReferenceFileNotFoundError
from .source import reference_source

__all__ = [
    "REFERENCE_DIR_ENV",
    "REFERENCE_FILES",
    "ReferenceFile",
    "ReferenceFileNotFoundError",
    "reference_source",
]
