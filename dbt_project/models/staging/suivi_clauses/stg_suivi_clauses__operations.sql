-- One row per operation of a tracking source; ids are unique per source, so keys include source_name.
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'operations', [
        'id_operation', 'nom_operation', 'programme', 'maitre_ouvrage_nom', 'maitre_ouvrage_siret',
        'commune_insee', 'date_debut', 'date_fin',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

)

select
    md5(source_name || '|' || trim(id_operation)) as operation_key,
    source_name,
    trim(id_operation) as source_operation_id,
    nullif(trim(nom_operation), '') as operation_name,
    nullif(trim(programme), '') as programme_published,
    nullif(trim(maitre_ouvrage_nom), '') as project_owner_name,
    {{ clean_siret('maitre_ouvrage_siret') }} as project_owner_siret,
    nullif(trim(commune_insee), '') as commune_code,
    cast(date_debut as date) as start_date,
    cast(date_fin as date) as end_date,
    source_file,
    cast(line_number as bigint) as line_number,
    _dlt_load_id as load_id,
    {{ replaced_tracking_rows('operation_key') }} as replaced_rows
from source
{{ keep_latest_tracking_row('operation_key') }}
