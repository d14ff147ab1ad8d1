"""The Great Expectations expectation ``expect_column_values_to_be_valid_siret`` (pandas only).

A SIRET is valid when, once spaces and dots are removed, it has 14 digits and passes python-stdnum's
``stdnum.fr.siret`` rule: the Luhn checksum, except for La Poste establishments (SIREN 356000000, head office
35600000000048 excepted) whose digits must sum to a multiple of 5; the SIREN part must pass Luhn too. The dbt
macro ``is_valid_siret`` (dbt_project/macros/identifiers.sql) writes the same rule in SQL without the SIREN
part, so a SIRET can be valid for dbt and not here only if its SIREN fails Luhn.

Importing this module imports GX (seconds): :func:`expectations.runner.get_gx_context` does it, and defining
the classes registers the expectation type with GX.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from stdnum.fr import siret

METRIC_NAME = "column_values.observatoire_valid_siret"


class ColumnValuesValidSiret(ColumnMapMetricProvider):
    """True for each non-null value that is a valid SIRET (python-stdnum)."""

    condition_metric_name = METRIC_NAME

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return column.map(lambda value: siret.is_valid(str(value)))


class ExpectColumnValuesToBeValidSiret(ColumnMapExpectation):
    """Expect column values to be valid SIRETs: 14 digits (spaces and dots ignored) and the checksum."""

    map_metric = METRIC_NAME
