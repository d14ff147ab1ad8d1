"""The dataviz site a refresh published, as a user gets it: its size, the time to open it and to answer a buyer
search (issue 14, measured on the national preset).

    .venv/bin/python -m benchmarks.dataviz_site DATAVIZ_DIR [--buyers 5]

Opens ``DATAVIZ_DIR/index.html`` from the file system in headless Chromium (Debian's, as the browser tests) and
times the page until the dataviz says it is ready (every section drawn). Then, for a few buyers spread over the
search index: typing the first nine digits of the SIRET until the result list shows the buyer (the first search
also loads the index), and opening the profile until its table is drawn (one shard loaded). Prints the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
BUYERS_INDEX = Path("assets") / "acheteurs" / "index.js"


def buyer_sirets(site: Path, count: int) -> list[str]:
    """``count`` SIRETs spread evenly over the search index (written as a JS call around a JSON object)."""
    text = (site / BUYERS_INDEX).read_text(encoding="utf-8")
    payload = json.loads(text[text.index("{") : text.rindex("}") + 1])
    sirets = [entry[0] for entry in payload["acheteurs"]]
    step = max(len(sirets) // count, 1)
    return sirets[::step][:count]


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, help="the published dataviz folder (holding index.html)")
    parser.add_argument("--buyers", type=int, default=5, help="how many buyers to search (default 5)")
    args = parser.parse_args(argv)
    site = args.site.resolve()
    files = [path for path in site.rglob("*") if path.is_file()]
    shards = list((site / BUYERS_INDEX.parent).glob("*.js"))
    print(f"site: {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in {len(files)} files")
    print(
        f"  of which buyer search: index {(site / BUYERS_INDEX).stat().st_size / 1e3:.0f} KB, {len(shards) - 1} shards"
    )
    sirets = buyer_sirets(site, args.buyers)
    searches, profiles = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        started = time.perf_counter()
        page.goto((site / "index.html").as_uri())
        page.wait_for_function("window.dataviz && window.dataviz.pret", timeout=300_000)
        print(f"open until every section is drawn: {time.perf_counter() - started:.2f} s")
        for siret in sirets:
            started = time.perf_counter()
            page.fill("#acheteur-recherche", siret[:9])
            page.wait_for_selector(f"#acheteur-resultats button[data-siret='{siret}']", timeout=60_000)
            searches.append(time.perf_counter() - started)
            started = time.perf_counter()
            page.click(f"#acheteur-resultats button[data-siret='{siret}']")
            page.wait_for_function(
                f"document.getElementById('acheteur-profil').dataset.siret === '{siret}' "
                "&& document.getElementById('acheteur-tableau') !== null",
                timeout=60_000,
            )
            profiles.append(time.perf_counter() - started)
        browser.close()
    print(
        f"buyer search ({len(sirets)} buyers): first {searches[0]:.2f} s (loads the index), then median "
        f"{statistics.median(searches[1:] or searches):.2f} s"
    )
    print(f"profile opened: median {statistics.median(profiles):.2f} s, max {max(profiles):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
