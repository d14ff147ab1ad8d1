"""Scale presets. Calibration targets are the published Île-de-France figures (see README of the package)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Relative yearly activity (entries into clause paths), 2021 = 1: Covid dip in 2020, JOP/GPE peak 2022-2023.
YEAR_SHAPE = {2018: 0.9, 2019: 0.92, 2020: 0.78, 2021: 1.0, 2022: 1.07, 2023: 1.1, 2024: 1.04, 2025: 0.98}


@dataclass(frozen=True)
class Preset:
    name: str
    first_year: int
    last_year: int
    calibration_year: int
    beneficiaries: int  # distinct persons with hours in the calibration year, region-wide
    hours: float  # insertion hours worked in the calibration year
    programme_beneficiaries: int  # large programmes (GPE, JOP 2024, ANRU), calibration year
    programme_contracts: int  # their employment contracts active in the calibration year
    programme_contract_months: float  # mean duration of those contracts
    sources: tuple[str, ...]
    decp_xml_buyers: int = 3  # buyers whose DECP is published as per-buyer XML files
    extra: dict = field(default_factory=dict)


_IDF_SOURCES = (
    "coordination_75",
    "coordination_92",
    "coordination_93",
    "coordination_94",
    "coordination_grande_couronne",
    "sgp_grand_paris_express",
    "solideo_jop_2024",
    "anru_npnru",
)

PRESETS: dict[str, Preset] = {
    "demo": Preset(
        name="demo",
        first_year=2023,
        last_year=2024,
        calibration_year=2024,
        beneficiaries=165,
        hours=84_000,
        programme_beneficiaries=50,
        programme_contracts=56,
        programme_contract_months=3.0,
        sources=("coordination_93", "coordination_92", "sgp_grand_paris_express"),
        decp_xml_buyers=2,
    ),
    # What `make demo` shows a newcomer: every source of the region over three years, large enough that most cells
    # of the département fiches and of the dataviz are above the secrecy threshold, small enough to run in minutes.
    "showcase": Preset(
        name="showcase",
        first_year=2022,
        last_year=2024,
        calibration_year=2024,
        beneficiaries=4_500,
        hours=2_300_000,
        programme_beneficiaries=1_080,
        programme_contracts=1_200,
        programme_contract_months=3.0,
        sources=_IDF_SOURCES,
    ),
    "idf": Preset(
        name="idf",
        first_year=2019,
        last_year=2025,
        calibration_year=2021,
        beneficiaries=12_364,
        hours=6_300_000,
        programme_beneficiaries=2_953,
        programme_contracts=3_292,
        programme_contract_months=3.0,
        sources=_IDF_SOURCES,
    ),
    "national": Preset(
        name="national",
        first_year=2019,
        last_year=2025,
        calibration_year=2021,
        beneficiaries=123_640,
        hours=63_000_000,
        programme_beneficiaries=29_530,
        programme_contracts=32_920,
        programme_contract_months=3.0,
        sources=_IDF_SOURCES,
        decp_xml_buyers=10,
    ),
}
