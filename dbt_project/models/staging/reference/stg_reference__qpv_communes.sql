-- QPV list (quartiers prioritaires de la politique de la ville 2024, ANCT): one row per QPV × commune.
-- insee_com holds one INSEE commune code, or several separated by ', ' for a QPV over several communes.
-- Paris QPV carry the commune code 75056, not an arrondissement.
with source as (
    select * from {{ source('raw_reference', 'qpv') }}
),

exploded as (
    select
        trim(code_qp) as qpv_code,
        trim(lib_qp) as qpv_name,
        trim(insee_reg) as region_code,
        trim(insee_dep) as departement_code,
        unnest(string_split(regexp_replace(coalesce(insee_com, ''), '\s', '', 'g'), ',')) as commune_code,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select distinct * from exploded
where commune_code <> ''
