-- One row per published JSON/XML DECP record, fields extracted and typed; nothing filtered.
-- A table, not a view: extracting the fields parses each record's JSON, which the models and tests reading
-- this one would otherwise pay again each (minutes at the national scale). Incremental (macros/incremental.sql):
-- a record never changes once loaded, so a refresh parses only the records of the loads since the last build.
{{ config(
    materialized='incremental',
    unique_key=['source_sha256', 'record_type', 'record_index'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}
with source as (

    select * from {{ source_or_empty('raw_decp', 'decp_records', [
        'source_file', 'source_sha256', 'record_type', 'format_version', 'record_index', 'record', '_dlt_load_id',
        'text_repairs'
    ]) }}
    {% if is_incremental() %}where {{ load_order('_dlt_load_id') }} > {{ last_built_load_id('load_id') }}{% endif %}

),

-- Every field is read in one pass over the record's JSON (a list of paths parses the text once; one `->>` per
-- field would parse it once per field).
fields as (

    select
        *,
        json_extract_string(record, [
            '$.id', '$.acheteur.id', '$.autoriteConcedante.id', '$.acheteur.nom', '$.autoriteConcedante.nom',
            '$.nature', '$.objet', '$.codeCPV', '$.procedure', '$.lieuExecution.code', '$.lieuExecution.typeCode',
            '$.dureeMois', '$.dateNotification', '$.dateSignature', '$.datePublicationDonnees', '$.montant',
            '$.valeurGlobale', '$.formePrix'
        ]) as text_fields,
        json_extract(record, [
            '$.titulaires', '$.concessionnaires', '$.modifications', '$.considerationsEnvironnementales'
        ]) as json_fields
    from source

),

extracted as (

    select
        source_file,
        source_sha256,
        record_index,
        record_type,
        format_version,
        _dlt_load_id as load_id,
        nullif(trim(text_fields[1]), '') as contract_id,
        {{ clean_siret("coalesce(text_fields[2], text_fields[3])") }} as buyer_id,
        coalesce(
            {{ repaired_text('text_repairs', "'acheteur.nom'") }}, nullif(trim(coalesce(text_fields[4], text_fields[5])), '')
        ) as buyer_name_published,
        text_fields[6] as nature_published,
        -- text repaired from mojibake at load time (the raw record keeps it as published; decp_record_issues says so)
        coalesce({{ repaired_text('text_repairs', "'objet'") }}, nullif(trim(text_fields[7]), '')) as contract_object,
        text_fields[8] as cpv_published,
        text_fields[9] as procedure_published,
        nullif(trim(text_fields[10]), '') as execution_place_code,
        nullif(trim(text_fields[11]), '') as execution_place_code_type,
        text_fields[12] as duration_published,
        coalesce(text_fields[13], text_fields[14]) as notification_date_published,
        text_fields[15] as publication_date_published,
        coalesce(text_fields[16], text_fields[17]) as amount_published,
        text_fields[18] as price_form_published,
        coalesce(json_fields[1], json_fields[2]) as holders_json,
        json_fields[3] as modifications_json,
        json_extract_string(record, '$.considerationsSociales[*]') as social_considerations_published,
        json_array_length(json_fields[4]) > 0 as has_environmental_consideration,
        text_repairs
    from fields

),

typed as (

    select
        *,
        {{ canonical_enum('nature', 'nature_published') }} as nature,
        {{ canonical_enum('procedure', 'procedure_published') }} as procedure,
        {{ canonical_enum('forme_prix', 'price_form_published') }} as price_form,
        nullif(regexp_extract(trim(cpv_published), '^([0-9]{8})', 1), '') as cpv_code,
        cast(round({{ decp_number('duration_published') }}) as integer) as duration_months,
        {{ decp_date('notification_date_published') }} as notification_date,
        {{ decp_date('publication_date_published') }} as publication_date,
        {{ decp_number('amount_published') }} as amount_eur,
        list_transform(social_considerations_published, lambda label: {{ enum_key('label') }})
            as social_consideration_keys
    from extracted

)

select
    source_file,
    source_sha256,
    record_index,
    record_type,
    format_version,
    load_id,
    'json_xml' as source_kind,
    contract_id,
    buyer_id,
    buyer_name_published,
    nature,
    contract_object,
    cpv_code,
    cpv_published,
    procedure,
    execution_place_code,
    execution_place_code_type,
    duration_months,
    duration_published,
    notification_date,
    notification_date_published,
    publication_date,
    publication_date_published,
    amount_eur,
    amount_published,
    price_form,
    social_considerations_published,
    social_consideration_keys,
    has_environmental_consideration,
    holders_json,
    modifications_json,
    text_repairs
from typed
