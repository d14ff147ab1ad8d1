-- SIAE (and GEIQ, EA...) of the emplois de l'inclusion API: one row per structure and département asked.
with source as (
    select * from {{ source_or_empty('raw_registries', 'inclusion_api_siaes', [
        'departement_requested', 'record_index', 'page_number', 'source_file', 'source_sha256', 'id', 'siret',
        'type', 'raison_sociale', 'enseigne', 'site_web', 'bloque_candidatures', 'code_postal', 'ville',
        'departement', 'cree_le', 'mis_a_jour_le', 'postes_count', '_dlt_load_id']) }}
),

renamed as (
    select
        nullif(trim(id), '') as api_structure_id,
        {{ clean_siret('siret') }} as siret,
        -- ACIPHC (ACI for people far from employment) is an ACI; other kinds kept as published.
        case upper(trim(type)) when 'ACIPHC' then 'ACI' else upper(trim(type)) end as structure_kind,
        upper(trim(type)) as type_published,
        nullif(trim(raison_sociale), '') as structure_name,
        nullif(trim(enseigne), '') as brand_name,
        nullif(trim(site_web), '') as website,
        try_cast(bloque_candidatures as boolean) as are_applications_blocked,
        nullif(trim(code_postal), '') as postal_code,
        nullif(trim(ville), '') as commune_name,
        coalesce(nullif(trim(departement), ''), departement_requested) as departement_code,
        departement_requested,
        cast(try_cast(cree_le as timestamptz) as date) as created_on,
        cast(try_cast(mis_a_jour_le as timestamptz) as date) as updated_on,
        try_cast(postes_count as integer) as open_positions_count,
        source_file as source_url,
        source_sha256,
        cast(record_index as bigint) as record_index,
        try_cast(page_number as integer) as page_number,
        _dlt_load_id as dlt_load_id
    from source
)

select *, {{ is_valid_siret('siret') }} as is_siret_valid
from renamed
