with source as (
    select * from {{ source('raw_reference', 'ept_mgp') }}
),

renamed as (
    select
        ept as ept_code,
        libept as ept_name,
        cast(nb_com as integer) as commune_count,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
