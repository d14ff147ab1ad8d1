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
-- field would parse it once per field), then named after its path.
{%- set text_paths = {
    'id': '$.id',
    'acheteur_id': '$.acheteur.id',
    'autorite_concedante_id': '$.autoriteConcedante.id',
    'acheteur_nom': '$.acheteur.nom',
    'autorite_concedante_nom': '$.autoriteConcedante.nom',
    'nature': '$.nature',
    'objet': '$.objet',
    'code_cpv': '$.codeCPV',
    'procedure': '$.procedure',
    'lieu_execution_code': '$.lieuExecution.code',
    'lieu_execution_type_code': '$.lieuExecution.typeCode',
    'duree_mois': '$.dureeMois',
    'date_notification': '$.dateNotification',
    'date_signature': '$.dateSignature',
    'date_publication_donnees': '$.datePublicationDonnees',
    'montant': '$.montant',
    'valeur_globale': '$.valeurGlobale',
    'forme_prix': '$.formePrix',
} %}
{%- set json_paths = {
    'titulaires': '$.titulaires',
    'concessionnaires': '$.concessionnaires',
    'modifications': '$.modifications',
    'considerations_environnementales': '$.considerationsEnvironnementales',
} %}
fields as (

    select
        *,
        json_extract_string(record, [
            {%- for path in text_paths.values() %}
            '{{ path }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        ]) as text_fields,
        json_extract(record, [
            {%- for path in json_paths.values() %}
            '{{ path }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        ]) as json_fields
    from source

),

named as (

    select
        * exclude (text_fields, json_fields),
        {%- for name in text_paths %}
        text_fields[{{ loop.index }}] as {{ name }},
        {%- endfor %}
        {%- for name in json_paths %}
        json_fields[{{ loop.index }}] as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from fields

),

extracted as (

    select
        source_file,
        source_sha256,
        record_index,
        record_type,
        format_version,
        _dlt_load_id as load_id,
        nullif(trim(id), '') as contract_id,
        {{ clean_siret("coalesce(acheteur_id, autorite_concedante_id)") }} as buyer_id,
        coalesce(
            {{ repaired_text('text_repairs', "'acheteur.nom'") }},
            nullif(trim(coalesce(acheteur_nom, autorite_concedante_nom)), '')
        ) as buyer_name_published,
        nature as nature_published,
        -- text repaired from mojibake at load time (the raw record keeps it as published; decp_record_issues says so)
        coalesce({{ repaired_text('text_repairs', "'objet'") }}, nullif(trim(objet), '')) as contract_object,
        code_cpv as cpv_published,
        procedure as procedure_published,
        nullif(trim(lieu_execution_code), '') as execution_place_code,
        nullif(trim(lieu_execution_type_code), '') as execution_place_code_type,
        duree_mois as duration_published,
        coalesce(date_notification, date_signature) as notification_date_published,
        date_publication_donnees as publication_date_published,
        coalesce(montant, valeur_globale) as amount_published,
        forme_prix as price_form_published,
        coalesce(titulaires, concessionnaires) as holders_json,
        modifications as modifications_json,
        json_extract_string(record, '$.considerationsSociales[*]') as social_considerations_published,
        json_array_length(considerations_environnementales) > 0 as has_environmental_consideration,
        text_repairs
    from named

),

typed as (

    select
        *,
        {{ canonical_enum('nature', 'nature_published') }} as nature,
        {{ canonical_enum('procedure', 'procedure_published') }} as procedure,
        {{ canonical_enum('forme_prix', 'price_form_published') }} as price_form,
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
