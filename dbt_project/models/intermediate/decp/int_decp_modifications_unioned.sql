-- Modifications (avenants) of every published record, JSON/XML and tabular alike, keyed by record_key: the
-- modifications list of a JSON/XML record, and the flattened modifications of a "DECP valides" tabular file (one
-- per distinct modification published on the rows of a contract, numbered in file order). A view: the models
-- reading it filter it (by file for the incremental ones).
{{ config(materialized='view') }}
with json_xml_modifications as (

    select
        source_sha256,
        {{ decp_record_key('source_sha256', 'record_type', 'record_index') }} as record_key,
        cast(modification_position as bigint) as modification_position,
        load_id,
        is_well_formed,
        modification_id,
        modification_object,
        modification_date,
        modification_publication_date,
        amount_eur,
        duration_months,
        holders_json
    from {{ ref('stg_decp__modifications') }}

),

tabular_rows as (

    select
        *,
        min(row_index) over (partition by source_sha256, buyer_id, contract_id) as first_row_index
    from {{ ref('stg_decp__tabular_rows') }}

),

tabular_modifications as (

    select
        source_sha256,
        {{ decp_record_key('source_sha256', "'tabular'", 'first_row_index') }} as record_key,
        min(row_index) as first_seen_row_index,
        any_value(load_id) as load_id,
        modification_id,
        modification_object,
        modification_date,
        modification_publication_date,
        modification_amount_eur as amount_eur,
        modification_duration_months as duration_months
    from tabular_rows
    where has_modification
    group by
        source_sha256, first_row_index, modification_id, modification_object, modification_date,
        modification_publication_date, modification_amount_eur, modification_duration_months

)

select * from json_xml_modifications

union all by name

select
    * exclude (first_seen_row_index),
    row_number() over (partition by record_key order by first_seen_row_index) as modification_position,
    true as is_well_formed,
    cast(null as json) as holders_json
from tabular_modifications
