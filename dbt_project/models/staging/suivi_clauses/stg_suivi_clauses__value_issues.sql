-- One row per value a tracking row was loaded with but not as published: a label the source's vocabulary does not
-- know (field left empty), a SIRET whose check digit is wrong (kept), a residence postal code + town naming no
-- single commune. The published value is there for non-personal fields only (never a personal one).
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'tracking_value_issues', [
        'source_name', 'source_file', 'source_sha256', 'table_name', 'line_number', 'column_name', 'field_name',
        'issue_kind', 'reason', 'published_value', '_dlt_load_id'
    ]) }}

)

select
    source_name,
    source_file,
    source_sha256,
    table_name,
    cast(line_number as bigint) as line_number,
    column_name,
    field_name,
    issue_kind,
    reason,
    published_value,
    _dlt_load_id as load_id
from source
