with source as (
    select * from {{ source('raw_reference', 'cpv') }}
),

renamed as (
    select
        code_cpv_8 as cpv_code_8,
        code_cpv as cpv_code,
        libelle_fr as label_fr,
        division as division_code,
        cast(niveau as integer) as cpv_level,
        type_marche as contract_type,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
