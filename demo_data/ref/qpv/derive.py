"""Derive the demo's QPV perimeters of Île-de-France and the arrondissement of each Paris QPV from the shared
reference files (../shared/data/ref/qpv and geo, see README.md). Run from the repository root:

    .venv/bin/python demo_data/ref/qpv/derive.py ../shared/data/ref

The QPV list itself (qpv2024_extract.csv) is copied unchanged; this script writes the two derived files only.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
IDF_REGION = "11"
PARIS = "75056"
DECIMALS = 4  # about 10 m: below a pixel on the commune map, and a third of the source's size


def _round(value: list) -> list:
    """Round every position; drop a vertex equal to the previous one after rounding (rings stay closed)."""
    if value and isinstance(value[0], int | float):
        return [round(value[0], DECIMALS), round(value[1], DECIMALS)]
    rounded = [_round(item) for item in value]
    if rounded and isinstance(rounded[0][0], int | float):
        return [pos for i, pos in enumerate(rounded) if i == 0 or pos != rounded[i - 1]]
    return rounded


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def _centroid(geometry: dict) -> tuple[float, float]:
    """Area-weighted centroid of the outer rings."""
    weight = x_sum = y_sum = 0.0
    for polygon in _polygons(geometry):
        ring = polygon[0]
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area, cx, cy = area + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
        if area:
            weight += abs(area)
            x_sum += abs(area) * cx / (3 * area)
            y_sum += abs(area) * cy / (3 * area)
    return x_sum / weight, y_sum / weight


def _contains(geometry: dict, x: float, y: float) -> bool:
    """Even-odd ray casting over every ring of the (multi)polygon."""
    inside = False
    for polygon in _polygons(geometry):
        for ring in polygon:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
                if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
    return inside


def main(shared_ref: Path) -> None:
    qpv = json.loads((shared_ref / "qpv" / "qpv2024_simplified.geojson").read_text(encoding="utf-8"))
    idf = [f for f in qpv["features"] if f["properties"]["insee_reg"] == IDF_REGION]
    # a commune the 2024 list names but merged since (commune déléguée or associée): the commune it belongs to
    with (shared_ref / "cog" / "cog2026_communes_idf_enriched.csv").open(encoding="utf-8", newline="") as handle:
        current = {
            r["code"]: r["comparent"] if r["typecom"] in ("COMD", "COMA") else r["code"] for r in csv.DictReader(handle)
        }
    perimeters = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    **{k: f["properties"][k] for k in ("code_qp", "lib_qp", "insee_com", "insee_dep")},
                    "communes_cog2026": list(
                        dict.fromkeys(current[c] for c in f["properties"]["insee_com"].split(", "))
                    ),
                },
                "geometry": {"type": f["geometry"]["type"], "coordinates": _round(f["geometry"]["coordinates"])},
            }
            for f in sorted(idf, key=lambda f: f["properties"]["code_qp"])
        ],
    }
    (HERE / "qpv2024_idf_perimetres.geojson").write_text(
        json.dumps(perimeters, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    arrondissements = json.loads(
        (shared_ref / "geo" / "paris_arrondissements_municipaux_parisdata.geojson").read_text(encoding="utf-8")
    )["features"]
    with (HERE / "qpv2024_paris_arrondissements.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code_qp", "insee_arm"])
        for feature in perimeters["features"]:
            if feature["properties"]["insee_com"] != PARIS:
                continue
            x, y = _centroid(feature["geometry"])
            codes = [a["properties"]["c_arinsee"] for a in arrondissements if _contains(a["geometry"], x, y)]
            if len(codes) != 1:
                raise ValueError(f"QPV {feature['properties']['code_qp']}: centroid in {len(codes)} arrondissements")
            writer.writerow([feature["properties"]["code_qp"], str(int(codes[0]))])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
