"""dlt sources of the registries (dataset ``raw_registries``): insertion and disability structures, SIRENE.

==========================  ====================================================================  ==========
raw table                   what                                                                  source
==========================  ====================================================================  ==========
``siae_asp``                ASP list of conventioned SIAE (MESURE ACI/AI/EI/ETTI/EITI)              files
``geiq_list``               France GEIQ list                                                      files
``ea_dgefp``                DGEFP list of entreprises adaptées (TYPE_EA EA / EATT)                files
``finess_etablissements``   FINESS établissements (etalab extract, ``structureet`` lines)         files
``inclusion_api_siaes``     emplois de l'inclusion API ``/api/v1/siaes/?departement=NN``           API
``sirene_etablissements``   SIRENE StockEtablissement rows of the referenced SIRETs               SIRENE
``sirene_unites_legales``   SIRENE StockUniteLegale rows of the referenced SIRENs                 SIRENE
==========================  ====================================================================  ==========

Provenance of the demo files: ``demo_data/ref/README.md`` and ``demo_data/ref/registries/README.md``.
"""

from __future__ import annotations

from .files import REGISTRY_FILES, RegistryFile, RegistryFileNotFoundError
from .inclusion_api import DEFAULT_BASE_URL, IDF_DEPARTEMENTS
from .referenced import REFERENCING_EXPRESSIONS, referenced_identifiers
from .source import inclusion_api_source, registry_files_source, sirene_source

__all__ = [
    "DEFAULT_BASE_URL",
    "IDF_DEPARTEMENTS",
    "REFERENCING_EXPRESSIONS",
    "REGISTRY_FILES",
    "RegistryFile",
    "RegistryFileNotFoundError",
    "inclusion_api_source",
    "referenced_identifiers",
    "registry_files_source",
    "sirene_source",
]
