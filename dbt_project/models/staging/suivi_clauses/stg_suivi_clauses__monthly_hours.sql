-- One row per employment contract and month: insertion hours worked (heures d'insertion réalisées).
-- A table, not a view: the hours are the largest tracking table, read by several models and tests that would
-- each compute the keys again. Incremental (macros/incremental.sql): raw rows are only appended and never
-- change once loaded, so a refresh adds the rows of the loads since the last build.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'heures', [
        'id_contrat', 'mois', 'heures',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}
    {% if is_incremental() %}where {{ load_order('_dlt_load_id') }} > {{ last_built_load_id('load_id') }}{% endif %}

)

select
    md5(source_name || '|' || trim(id_contrat)) as employment_contract_key,
    source_name,
    trim(id_contrat) as source_employment_contract_id,
    cast(date_trunc('month', cast(mois as date)) as date) as month_date,
    cast(heures as double) as hours,
    source_file,
    cast(line_number as bigint) as line_number,
    _dlt_load_id as load_id
from source
