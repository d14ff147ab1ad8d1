"""Great Expectations 1.x data-quality suites of the warehouse (see ``expectations/README.md``).

Importing this package does not import Great Expectations (slow); ``load_suite`` and ``validate_table`` do.
"""

from expectations.runner import (
    ExpectationsError,
    SchemaMismatchError,
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
    "SuiteError",
    "TableNotFoundError",
    "ValidationReport",
    "list_suites",
    "load_suite",
    "validate_table",
]
