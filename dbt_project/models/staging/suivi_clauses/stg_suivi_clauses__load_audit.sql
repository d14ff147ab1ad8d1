-- One row per tracking file × exchange-format table processed by the load.
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'tracking_load_audit', [
        'source_name', 'source_file', 'source_sha256', 'table_name', 'status', 'rows_read', 'rows_loaded',
        'rows_rejected', 'values_with_issue', 'error', 'mapping_file', 'processed_at'
    ]) }}

)

select
    source_name,
    source_file,
    source_sha256,
    table_name,
    status,
    cast(rows_read as bigint) as rows_read,
    cast(rows_loaded as bigint) as rows_loaded,
    cast(rows_rejected as bigint) as rows_rejected,
    coalesce(cast(values_with_issue as bigint), 0) as values_with_issue,
    error,
    mapping_file,
    cast(processed_at as timestamp with time zone) as processed_at
from source
