with source as (
    select * from {{ source('raw_reference', 'cog_regions') }}
),

renamed as (
    select
        reg as region_code,
        libelle as region_name,
        ncc as region_name_uppercase,
        tncc as name_type_code,
        cheflieu as prefecture_commune_code,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
