with source as (
    select * from {{ source('raw_reference', 'cog_communes') }}
),

renamed as (
    select
        com as commune_code,
        typecom as commune_type,
        libelle as commune_name,
        nccenr as commune_name_mixed_case,
        ncc as commune_name_uppercase,
        tncc as name_type_code,
        dep as departement_code,
        reg as region_code,
        ctcd as collectivite_code,
        arr as arrondissement_code,
        can as canton_code,
        comparent as parent_commune_code,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
