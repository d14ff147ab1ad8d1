-- Holders of every published record, JSON/XML and tabular alike, keyed by record_key.
-- Incremental (macros/incremental.sql): a record never changes once loaded, and a tabular file is loaded whole by
-- one load, so a refresh adds the holders of the loads since the last build.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
{%- if is_incremental() %}{% set built = last_built_load_id('load_id') %}{% endif %}

with json_xml_holders as (

    select
        {{ decp_record_key('source_sha256', 'record_type', 'record_index') }} as record_key,
        holder_position,
        is_well_formed,
        holder_id,
        holder_id_type,
        holder_name_published,
        load_id
    from {{ ref('stg_decp__holders') }}
    {% if is_incremental() %}where {{ load_order('load_id') }} > {{ built }}{% endif %}

),

tabular_rows as (

    select
        source_sha256,
        buyer_id,
        contract_id,
        row_index,
        holder_id,
        holder_id_type,
        holder_name_published,
        holder_position_published,
        load_id
    from {{ ref('stg_decp__tabular_rows') }}
    {% if is_incremental() %}where {{ load_order('load_id') }} > {{ built }}{% endif %}

),

-- A "DECP valides" file repeats a record's holders on each of its modification rows: one holder per published
-- position (titulaire_id_k), the first row's; a decp.info row (no published position) is one holder.
distinct_tabular_holders as (

    select * from tabular_rows
    where holder_position_published is null
    union all
    select * from tabular_rows
    where holder_position_published is not null
    qualify row_number() over (
        partition by source_sha256, buyer_id, contract_id, holder_position_published order by row_index
    ) = 1

),

-- a record is the rows of one contract in one file, keyed by its first row; its holders in row order (one window
-- gives both)
tabular_holders as (

    select
        {{ decp_record_key('source_sha256', "'tabular'", 'first_value(row_index) over contract_rows') }}
            as record_key,
        cast(row_number() over contract_rows as integer) as holder_position,
        holder_id is not null as is_well_formed,
        holder_id,
        {{ holder_id_type('holder_id_type', 'holder_id') }} as holder_id_type,
        holder_name_published,
        load_id
    from distinct_tabular_holders
    window contract_rows as (partition by source_sha256, buyer_id, contract_id order by row_index)

)

select * from json_xml_holders
union all
select * from tabular_holders
