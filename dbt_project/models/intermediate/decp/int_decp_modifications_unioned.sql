-- Modifications (avenants) of every published record, JSON/XML and tabular alike, keyed by record_key: the
-- modifications list of a JSON/XML record, and the flattened modifications of a "DECP valides" tabular file (one
-- per distinct modification published on the rows of a contract, numbered in file order).
-- A table read by four models and three tests (as a view, each of them numbered the 2.9 M rows of the national
-- tabular files again). Incremental (macros/incremental.sql): a record never changes once loaded, and a tabular
-- file is loaded whole by one load, so a refresh adds the modifications of the loads since the last build.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
{%- if is_incremental() %}{% set built = last_built_load_id('load_id') %}{% endif %}

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
    {% if is_incremental() %}where {{ load_order('load_id') }} > {{ built }}{% endif %}

),

tabular_rows as (

    select
        *,
        min(row_index) over (partition by source_sha256, buyer_id, contract_id) as first_row_index
    from {{ ref('stg_decp__tabular_rows') }}
    {% if is_incremental() %}where {{ load_order('load_id') }} > {{ built }}{% endif %}

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
