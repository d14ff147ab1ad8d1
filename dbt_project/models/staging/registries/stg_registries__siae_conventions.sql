-- ASP list of conventioned SIAE: one row per (SIRET, mesure) line of the file.
with source as (
    select * from {{ source_or_empty('raw_registries', 'siae_asp', [
        'row_index', 'mesure', 'code_departement', 'libelle_dpt', 'code_postal', 'commune', 'code_naf2',
        'nature_juridique', 'siret', 'denomination_sociale', 'num_rue', 'nom_rue', 'code_post_com', 'lib_com',
        'siren', 'dep', 'source_file', 'source_sha256', '_dlt_load_id']) }}
),

renamed as (
    select
        {{ clean_siret('siret') }} as siret,
        upper(trim(mesure)) as siae_kind,
        nullif(trim(denomination_sociale), '') as structure_name,
        nullif(trim(nature_juridique), '') as legal_form_label,
        nullif(trim(code_naf2), '') as naf_code_compact,
        nullif(trim(code_postal), '') as postal_code,
        nullif(trim(commune), '') as commune_name,
        coalesce(nullif(trim(dep), ''), right(trim(code_departement), 2)) as departement_code,
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
