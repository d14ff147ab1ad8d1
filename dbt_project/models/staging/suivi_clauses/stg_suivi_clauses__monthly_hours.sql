-- One row per employment contract and month: insertion hours worked (heures d'insertion réalisées).
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'heures', [
        'id_contrat', 'mois', 'heures',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

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
