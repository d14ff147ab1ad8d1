-- One row per company on a tracked contract (table `entreprises`): holder, co-contractor or subcontractor.
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'entreprises', [
        'id_marche', 'siret', 'raison_sociale', 'role', 'type_structure',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

)

select
    md5(source_name || '|' || trim(id_marche)) as tracked_contract_key,
    source_name,
    trim(id_marche) as source_contract_id,
    {{ clean_siret('siret') }} as company_siret,
    nullif(trim(raison_sociale), '') as company_name,
    lower(trim(role)) as company_role,
    nullif(upper(trim(type_structure)), '') as structure_type_code,
    source_file,
    cast(line_number as bigint) as line_number,
    _dlt_load_id as load_id
from source
