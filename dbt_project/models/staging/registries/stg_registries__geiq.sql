-- France GEIQ list: one row per line of the file.
with source as (
    select * from {{ source_or_empty('raw_registries', 'geiq_list', [
        'row_index', 'geiq', 'adresse', 'complement_adresse', 'ville', 'code_postal', 'naf', 'siret',
        'source_file', 'source_sha256', '_dlt_load_id']) }}
),

renamed as (
    select
        {{ clean_siret('siret') }} as siret,
        nullif(trim(geiq), '') as structure_name,
        nullif(trim(naf), '') as naf_code_compact,
        nullif(trim(code_postal), '') as postal_code,
        nullif(trim(ville), '') as commune_name,
        -- The list gives no département: the postal code's first two digits (right for Île-de-France).
        case when regexp_full_match(trim(code_postal), '[0-9]{5}') then left(trim(code_postal), 2) end
            as departement_code,
        cast(coalesce(
            try_strptime(regexp_extract(source_file, '(\d{4}_\d{2}_\d{2})', 1), '%Y_%m_%d'),
            try_strptime(regexp_extract(source_file, '(\d{4}_\d{2})', 1), '%Y_%m')
        ) as date) as list_date,
        source_file,
        source_sha256,
        cast(row_index as bigint) as row_index,
        _dlt_load_id as dlt_load_id
    from source
)

select *, {{ is_valid_siret('siret') }} as is_siret_valid
from renamed
