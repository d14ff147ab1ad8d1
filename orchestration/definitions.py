"""The Dagster code location that workspace.yaml and ``dg`` load: the definitions of
:mod:`orchestration.code_location`, loaded with Python's cyclic garbage collector paused.

Loading creates about 350,000 objects (Dagster, dbt-core through dagster-dbt, dlt) that all live as long as
the process: the collector would only walk them again and again while they are created (0.4 to 0.6 s of CPU,
a tenth of the load). It is enabled again once they are loaded; the few cycles of garbage the load leaves
(about 3,000 objects) go at its next collection.
"""

import gc

_collecting = gc.isenabled()
gc.disable()
try:
    from .code_location import defs
finally:
    if _collecting:
        gc.enable()

__all__ = ["defs"]
