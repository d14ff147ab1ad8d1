-- QPV list (quartiers prioritaires de la politique de la ville, data.gouv layout): one row per QPV × commune.
-- insee_com holds one or several INSEE commune codes separated by ';', written the Excel way ="93066;93001":
-- the wrapper and the spaces are removed, then the list is split.
with source as (
    select * from {{ source('raw_reference', 'qpv') }}
),

exploded as (
    select
        trim(code_qp) as qpv_code,
        trim(lib_qp) as qpv_name,
        trim(insee_reg) as region_code,
        trim(insee_dep) as departement_code,
        unnest(string_split(regexp_replace(coalesce(insee_com, ''), '[="\s]', '', 'g'), ';')) as commune_code,
        trim(siren_epci) as epci_siren,
        trim(lib_epci) as epci_name,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select distinct * from exploded
where commune_code <> ''
