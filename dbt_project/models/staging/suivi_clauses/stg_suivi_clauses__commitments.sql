-- One row per hours commitment of a maître d'ouvrage (project owner) for a year, globally or for an operation.
with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'engagements_moa', [
        'programme', 'maitre_ouvrage_nom', 'maitre_ouvrage_siret', 'id_operation', 'annee', 'heures_engagees',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

)

select
    md5(concat_ws('|', source_name, trim(maitre_ouvrage_nom), cast(annee as varchar), coalesce(trim(id_operation), '')))
        as commitment_key,
    source_name,
    nullif(trim(programme), '') as programme_published,
    nullif(trim(maitre_ouvrage_nom), '') as project_owner_name,
    {{ clean_siret('maitre_ouvrage_siret') }} as project_owner_siret,
    case when nullif(trim(id_operation), '') is not null
        then md5(source_name || '|' || trim(id_operation)) end as operation_key,
    cast(annee as integer) as commitment_year,
    cast(heures_engagees as double) as committed_hours,
    source_file,
    cast(line_number as bigint) as line_number,
    _dlt_load_id as load_id,
    {{ replaced_tracking_rows('commitment_key') }} as replaced_rows
from source
{{ keep_latest_tracking_row('commitment_key') }}
