"""Fiche acheteur of one buyer, on demand: ``python -m observatoire.fiche_acheteur --siret <14 digits>``.

Reads the published open data (``<published>/open_data/profils_acheteurs``) and writes
``<published>/report/acheteurs/<siret>.html`` and ``.pdf`` (folders from the settings, ``OBSERVATOIRE_DATA_DIR``).
The Dagster asset ``publication/buyer_fiche`` (partitioned by buyer SIRET) renders the same files.
"""

from __future__ import annotations

import argparse
import sys

from observatoire.publication.report.buyer_fiche import BuyerNotFoundError, render_buyer_fiche
from observatoire.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m observatoire.fiche_acheteur", description=__doc__.splitlines()[0])
    parser.add_argument("--siret", required=True, help="SIRET of the buyer (14 digits)")
    args = parser.parse_args(argv)
    settings = load_settings()
    # the published layout (orchestration/assets/publication.py: OPEN_DATA, REPORT), not imported: it loads Dagster
    try:
        files = render_buyer_fiche(
            settings.published_dir / "open_data", settings.warehouse_path, args.siret, settings.published_dir / "report"
        )
    except (BuyerNotFoundError, FileNotFoundError) as exc:
        print(f"fiche acheteur: {exc}", file=sys.stderr)
        return 2
    for path in files:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
