with source as (
    select * from {{ source('raw_reference', 'cog_departements') }}
),

renamed as (
    select
        dep as departement_code,
        libelle as departement_name,
        ncc as departement_name_uppercase,
        tncc as name_type_code,
        reg as region_code,
        cheflieu as prefecture_commune_code,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
