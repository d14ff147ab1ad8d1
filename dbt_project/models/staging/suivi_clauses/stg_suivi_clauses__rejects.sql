-- One row per value of a tracking export rejected at extraction (the row is not loaded).
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'tracking_rejects', [
        'source_name', 'source_file', 'table_name', 'line_number', 'column_name', 'reason', 'published_value'
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
