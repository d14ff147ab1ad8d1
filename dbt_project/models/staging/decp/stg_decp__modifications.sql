-- One row per modification (avenant) of a published JSON/XML record, in published order.
-- Incremental (macros/incremental.sql): a record never changes once loaded, so a refresh reads only the
-- records of the loads since the last build (load_id: the record's).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with records as (

    select source_sha256, record_type, record_index, load_id, modifications_json
    from {{ ref('stg_decp__records') }}
    where json_array_length(modifications_json) > 0
    {% if is_incremental() %}and {{ load_order('load_id') }} > {{ last_built_load_id('load_id') }}{% endif %}

),

modifications as (

    select
        source_sha256,
        record_type,
        record_index,
        load_id,
        unnest(json_extract(modifications_json, '$[*]')) as modification_json,
        generate_subscripts(json_extract(modifications_json, '$[*]'), 1) as modification_position
    from records

)

select
    source_sha256,
    record_type,
    record_index,
    modification_position,
    load_id,
    json_type(modification_json) = 'OBJECT' as is_well_formed,
    nullif(trim(modification_json ->> 'id'), '') as modification_id,
    nullif(trim(modification_json ->> 'objetModification'), '') as modification_object,
    {{ decp_date(
        "coalesce(modification_json ->> 'dateNotificationModification', modification_json ->> 'dateSignatureModification')"
    ) }} as modification_date,
    {{ decp_date(
        "coalesce(modification_json ->> 'datePublicationDonneesModification', modification_json ->> 'datePublicationDonnees')"
    ) }}
        as modification_publication_date,
    {{ decp_number("coalesce(modification_json ->> 'montant', modification_json ->> 'valeurGlobale')") }}
        as amount_eur,
    cast(round({{ decp_number("modification_json ->> 'dureeMois'") }}) as integer) as duration_months,
    case
        when json_array_length(coalesce(modification_json -> 'titulaires', modification_json -> 'concessionnaires')) > 0
            then coalesce(modification_json -> 'titulaires', modification_json -> 'concessionnaires')
    end as holders_json
from modifications
