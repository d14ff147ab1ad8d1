"""Great Expectations 1.x data-quality suites of the warehouse (see ``expectations/README.md``).

Importing this package does not import Great Expectations (slow); only ``validate_table`` does.
"""

from expectations.runner import (
    ExpectationsError,
    SchemaMismatchError,
    Suite,
    SuiteError,
    TableNotFoundError,
    ValidationReport,
    list_suites,
    load_suite,
    validate_table,
)

__all__ = [
    "ExpectationsError",
    "SchemaMismatchError",
    "Suite",
    "SuiteError",
    "TableNotFoundError",
    "ValidationReport",
    "list_suites",
    "load_suite",
    "validate_table",
]
