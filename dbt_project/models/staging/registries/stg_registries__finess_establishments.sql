-- FINESS établissements (etalab extract): one row per structureet line. ESAT = category 246.
with source as (
    select * from {{ source_or_empty('raw_registries', 'finess_etablissements', [
        'row_index', 'nofinesset', 'nofinessej', 'rs', 'rslongue', 'commune', 'departement', 'libdepartement',
        'ligneacheminement', 'categetab', 'libcategetab', 'categagretab', 'libcategagretab', 'siret', 'codeape',
        'dateouv', 'dateautor', 'maj', 'source_file', 'source_sha256', '_dlt_load_id']) }}
),

renamed as (
    select
        nullif(trim(nofinesset), '') as finess_establishment_id,
        nullif(trim(nofinessej), '') as finess_legal_entity_id,
        {{ clean_siret('siret') }} as siret,
        coalesce(nullif(trim(rslongue), ''), nullif(trim(rs), '')) as structure_name,
        nullif(trim(categetab), '') as category_code,
        nullif(trim(libcategetab), '') as category_label,
        nullif(trim(categagretab), '') as category_group_code,
        nullif(trim(libcategagretab), '') as category_group_label,
        trim(categetab) = '246' as is_esat,
        nullif(trim(departement), '') as departement_code,
        -- INSEE commune code = département + 3-digit commune number (metropolitan départements).
        case
            when regexp_full_match(trim(departement), '[0-9]{2}|2A|2B') and regexp_full_match(trim(commune), '[0-9]{3}')
                then trim(departement) || trim(commune)
        end as commune_code,
        nullif(regexp_extract(ligneacheminement, '^([0-9]{5})', 1), '') as postal_code,
        nullif(trim(regexp_replace(ligneacheminement, '^[0-9]{5}\s*', '')), '') as commune_name,
        nullif(trim(codeape), '') as naf_code_compact,
        try_cast(dateouv as date) as opened_on,
        try_cast(dateautor as date) as authorised_on,
        try_cast(maj as date) as updated_on,
        source_file,
        source_sha256,
        cast(row_index as bigint) as row_index,
        _dlt_load_id as dlt_load_id
    from source
)

select *, {{ is_valid_siret('siret') }} as is_siret_valid
from renamed
