"""The corpus is a catalogue: at least 40 cases, and README.md lists every one with its input and outcome."""

from __future__ import annotations

import re
from pathlib import Path

import decp_cases
import reference_cases
import registry_cases
import tracking_cases

README = Path(__file__).with_name("README.md").read_text(encoding="utf-8")
CATALOGUES = (decp_cases, tracking_cases, registry_cases, reference_cases)
CASES = [case for catalogue in CATALOGUES for case in catalogue.CASES]


def test_the_readme_lists_every_case_with_its_input_and_outcome() -> None:
    assert len(CASES) >= 40 and len({case.id for case in CASES}) == len(CASES)
    for case in CASES:
        row = "| " + " | ".join(text.replace("|", "\\|") for text in (case.id, case.description, case.outcome)) + " |"
        assert row in README, f"README.md lacks or differs for {case.id}; expected the row:\n{row}"
    listed = set(re.findall(r"^\| ([DTRF]\d\d) \|", README, flags=re.MULTILINE))
    assert listed == {case.id for case in CASES}
