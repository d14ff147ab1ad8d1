-- Holders of every published record, JSON/XML and tabular alike, keyed by record_key.
with json_xml_holders as (

    select
        {{ decp_record_key('source_sha256', 'record_type', 'record_index') }} as record_key,
        holder_position,
        is_well_formed,
        holder_id,
        holder_id_type,
        holder_name_published
    from {{ ref('stg_decp__holders') }}

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
        min(row_index) over (partition by source_sha256, buyer_id, contract_id) as first_row_index
    from {{ ref('stg_decp__tabular_rows') }}

),

-- A "DECP valides" file repeats a record's holders on each of its modification rows: one holder per published
-- position (titulaire_id_k); a decp.info row is one holder.
distinct_tabular_holders as (

    select * from tabular_rows
    qualify row_number() over (
        partition by source_sha256, buyer_id, contract_id, coalesce(holder_position_published, row_index)
        order by row_index
    ) = 1

),

tabular_holders as (

    select
        {{ decp_record_key('source_sha256', "'tabular'", 'first_row_index') }} as record_key,
        cast(row_number() over (
            partition by source_sha256, first_row_index, buyer_id, contract_id order by row_index
        ) as integer) as holder_position,
        holder_id is not null as is_well_formed,
        holder_id,
        {{ holder_id_type('holder_id_type', 'holder_id') }} as holder_id_type,
        holder_name_published
    from distinct_tabular_holders

)

select * from json_xml_holders
union all
select * from tabular_holders
