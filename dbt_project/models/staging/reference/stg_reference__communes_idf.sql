with source as (
    select * from {{ source('raw_reference', 'cog_communes_idf') }}
),

renamed as (
    select
        code as commune_code,
        typecom as commune_type,
        libelle as commune_name,
        dep as departement_code,
        dep_nom as departement_name,
        reg as region_code,
        comparent as parent_commune_code,
        siren_commune as commune_siren,
        epci_siren,
        epci_nom as epci_name,
        epci_nature,
        epci_mode_financ as epci_tax_regime,
        ept_code,
        ept_nom as ept_name,
        cast(population_municipale as integer) as population_municipale,
        cast(population_totale as integer) as population_totale,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
