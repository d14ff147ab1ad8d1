with source as (
    select * from {{ source('raw_reference', 'epci_idf') }}
),

renamed as (
    select
        siren as epci_siren,
        raison_sociale as epci_name,
        nature_juridique as epci_nature,
        mode_financ as epci_tax_regime,
        cast(nb_membres as integer) as member_count,
        cast(nb_membres_idf as integer) as idf_member_count,
        cast(total_pop_mun as integer) as population_municipale,
        cast(total_pop_tot as integer) as population_totale,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
