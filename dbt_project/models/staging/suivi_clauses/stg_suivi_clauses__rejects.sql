-- One row per value of a tracking export rejected at extraction (the row is not loaded). A file whose every row
-- was rejected is read again once its source's mapping changes: only the rejects of its latest reading are kept.
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'tracking_rejects', [
        'source_name', 'source_file', 'source_sha256', 'table_name', 'line_number', 'column_name', 'reason',
        'published_value', '_dlt_load_id'
    ]) }}

)

select
    source_name,
    source_file,
    table_name,
    cast(line_number as bigint) as line_number,
    column_name,
    reason,
    published_value
from source
qualify _dlt_load_id = max(_dlt_load_id) over (partition by source_name, source_sha256, table_name)
