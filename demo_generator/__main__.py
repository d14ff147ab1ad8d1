"""CLI: ``python -m demo_generator --preset demo --seed 2024 --out DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from demo_generator.generate import generate
from demo_generator.mappings import write_mappings
from demo_generator.presets import PRESETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo_generator", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="demo")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, help="output folder (suivi_clauses/, decp/, manifest.json)")
    parser.add_argument(
        "--write-mappings",
        action="store_true",
        help="(re)write demo_data/mappings/<source>.yaml for the mapped sources and exit",
    )
    args = parser.parse_args(argv)
    if args.write_mappings:
        for path in write_mappings():
            print(path)
        return 0
    if args.out is None:
        parser.error("--out is required")
    manifest = generate(args.preset, args.seed, args.out)
    print(
        f"{args.preset} (seed {args.seed}) -> {args.out}: {len(manifest['files'])} files, "
        f"{manifest['counts']}, {manifest['generation_seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
