"""`make demo`: the full refresh, through Dagster, on the demo data embedded in the repository.

Copies the demo DECP files into the inbox (the way a data engineer drops files), then does what `make refresh`
does (:mod:`observatoire.refresh`): runs the Dagster job ``full_refresh`` (the same assets and checks as the UI)
against the instance in $DAGSTER_HOME, and prints what was built and where. Exits non-zero when a step or a
check fails. The generated tracking sources are fictional tools: they are read with the generator's mappings,
``demo_data/mappings/`` (``OBSERVATOIRE_MAPPINGS_DIR``, unless set).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from demo_generator.presets import PRESETS
from observatoire.pseudonymisation import DEMO_MODE_ENV
from observatoire.refresh import run_refresh
from observatoire.settings import DEMO_DATA_DIR, DEMO_MAPPINGS_DIR, ENV_VARS, Settings

DEMO_SEED = 2024

#: Demo DECP files (real published records and official examples; provenance in demo_data/decp/README.md).
DEMO_DECP_FILES = (
    "real_2019_format/decp-json_marches-publics.info_2019-03-07.json",
    "real_2019_format/decp-json_data.gouv.fr_pes-json_2019-02-01_per-buyer-files.zip",
    "real_2019_format/decp-processing_tests_decp_test_2019.json",
    "real_2024_format/decp-processing_tests_decp_test_2022.json",
    "real_2024_format/eclaireur-public_tests_raw_2024_altered.json",
    "real_tabular/decp-info-tabular_2024H2_travaux_cpv4521.csv",
    "official_examples/v2.0/marches_concessions.json",
    "official_examples/v2.0/marches_avec_modifications.json",
    "official_examples/v2.0/concessions_avec_modifications.json",
    "official_examples/v2.0/Marche.xml",
    "official_examples/v2.0/Contrat-concession.xml",
    "official_examples/v2.0/Contrat-concession-modification.xml",
    "official_examples/v1.5.0/paquet.json",
    "official_examples/v1.5.0/paquet.xml",
)


def seed_decp_inbox(settings: Settings) -> int:
    """Copy the demo DECP files into the inbox (flattened names); return how many were copied."""
    settings.decp_inbox.mkdir(parents=True, exist_ok=True)
    copied = 0
    for relative in DEMO_DECP_FILES:
        source = DEMO_DATA_DIR / "decp" / relative
        target = settings.decp_inbox / relative.replace("/", "__")
        if not target.exists():
            shutil.copyfile(source, target)
            copied += 1
    return copied


def generate_tracking_demo(settings: Settings, preset: str = "demo", seed: int = DEMO_SEED) -> tuple[int, float]:
    """Generate the demo preset (tracking exports and DECP 2024 files) and drop it into the inbox.

    Generation is deterministic: rerunning writes the same bytes, which the loaders then skip. The manifest
    (with the fake identities, for the audits) stays in data/generated/, outside the inbox."""
    from demo_generator import generate

    started = time.perf_counter()
    out = settings.data_dir / "generated" / preset
    generate(preset=preset, seed=seed, out=out)
    return drop_generated(settings, out), time.perf_counter() - started


def drop_generated(settings: Settings, out: Path) -> int:
    """Copy the tracking exports and DECP files generated into ``out`` into the inbox (files already there with
    the same bytes are left alone); return how many were copied."""
    copied = 0
    for folder, inbox in (("suivi_clauses", settings.tracking_inbox), ("decp", settings.decp_inbox / "generated")):
        for source in sorted((out / folder).rglob("*")):
            if source.is_file():
                target = inbox / source.relative_to(out / folder)
                if not target.exists() or target.read_bytes() != source.read_bytes():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                    copied += 1
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--preset",
        default="demo",
        choices=sorted(PRESETS),
        help="size of the generated tracking data (demo: the tests' small set; showcase: what make demo shows, "
        "2022-2024; idf: Île-de-France 2019-2025)",
    )
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    args = parser.parse_args(argv)
    # Demo data only: pseudonyms use the published demo key (a warning says so).
    os.environ.setdefault(DEMO_MODE_ENV, "1")
    # The generated sources are fictional tools: their mappings are the generator's, beside the demo data.
    os.environ.setdefault(ENV_VARS["mappings_dir"], str(DEMO_MAPPINGS_DIR))
    from orchestration.resources import SettingsResource

    resource = SettingsResource.from_env()
    settings = resource.get()
    settings.ensure_dirs()
    copied = seed_decp_inbox(settings)
    print(f"Real DECP samples: {copied} copied into {settings.decp_inbox}")
    copied, seconds = generate_tracking_demo(settings, args.preset, args.seed)
    print(f"Generated demo tracking exports and DECP files ({seconds:.1f} s): {copied} new file(s) in the inbox")
    return run_refresh(resource, "full_refresh")


if __name__ == "__main__":
    sys.exit(main())
