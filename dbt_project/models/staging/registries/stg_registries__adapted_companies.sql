-- DGEFP list of entreprises adaptées (EA) and EA de travail temporaire (EATT): one row per line.
with source as (
    select * from {{ source_or_empty('raw_registries', 'ea_dgefp', [
        'row_index', 'raison_scle', 'type_ea', 'num_entree', 'num_voie', 'code_voie', 'lib_voie', 'code_post',
        'lib_com', 'siret', 'source_file', 'source_sha256', '_dlt_load_id']) }}
),

renamed as (
    select
        {{ clean_siret('siret') }} as siret,
        case when regexp_matches(upper(type_ea), 'T\s*T|TRAVAIL TEMPORAIRE') then 'EATT' else 'EA' end
            as structure_kind,
        nullif(trim(type_ea), '') as type_ea_published,
        nullif(trim(raison_scle), '') as structure_name,
        nullif(trim(num_entree), '') as entry_number,
        nullif(trim(code_post), '') as postal_code,
        nullif(trim(lib_com), '') as commune_name,
        case when regexp_full_match(trim(code_post), '[0-9]{5}') then left(trim(code_post), 2) end
            as departement_code,
        source_file,
        source_sha256,
        cast(row_index as bigint) as row_index,
        _dlt_load_id as dlt_load_id
    from source
)

select *, {{ is_valid_siret('siret') }} as is_siret_valid
from renamed
