-- One row per holder (titulaire / concessionnaire) of a published JSON/XML record, in published order.
-- Incremental (macros/incremental.sql): a record never changes once loaded, so a refresh reads only the
-- records of the loads since the last build (load_id: the record's).
-- Items that are not objects (broken publications such as {"titulaire": "id"}) are kept with
-- is_well_formed = false so they can be counted, never used as a company.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with records as (

    select source_sha256, record_type, record_index, load_id, holders_json, text_repairs
    from {{ ref('stg_decp__records') }}
    where json_array_length(holders_json) > 0
    {% if is_incremental() %}and {{ load_order('load_id') }} > {{ last_built_load_id('load_id') }}{% endif %}

),

holders as (

    select
        source_sha256,
        record_type,
        record_index,
        load_id,
        text_repairs,
        unnest(json_extract(holders_json, '$[*]')) as holder_json,
        generate_subscripts(json_extract(holders_json, '$[*]'), 1) as holder_position
    from records

)

select
    source_sha256,
    record_type,
    record_index,
    holder_position,
    load_id,
    json_type(holder_json) = 'OBJECT' as is_well_formed,
    {{ clean_siret("holder_json ->> 'id'") }} as holder_id,
    upper(nullif(trim(holder_json ->> 'typeIdentifiant'), '')) as holder_id_type,
    -- repaired from mojibake at load time when it had to be (decp_record_issues says so)
    coalesce(
        {{ repaired_text('text_repairs', "'titulaires[' || holder_position || '].denominationSociale'") }},
        nullif(trim(holder_json ->> 'denominationSociale'), '')
    ) as holder_name_published
from holders
