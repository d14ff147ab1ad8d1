-- One row per participant of a tracking source. No identity ever reaches the warehouse: the participant is
-- known by two keyed pseudonyms computed at extraction (see the source description).
-- Incremental on its key (macros/tracking_rows.sql): a refresh recomputes the keys its new raw rows carry.
{{ config(
    materialized='incremental',
    unique_key='participant_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'participants', [
        'participant_pseudonym', 'beneficiary_pseudonym', 'age_at_entry', 'sexe', 'commune_residence',
        'code_qpv', 'resident_qpv', 'niveau_formation', 'publics', 'prescripteur', 'date_entree',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

),

-- one row per raw row
published as (

    select
        participant_pseudonym as participant_key,
        beneficiary_pseudonym as beneficiary_key,
        source_name,
        upper(trim(sexe)) as sex,
        cast(age_at_entry as integer) as age_at_entry,
        nullif(trim(commune_residence), '') as residence_commune_code,
        nullif(upper(trim(code_qpv)), '') as qpv_code,
        -- a QPV code says yes; otherwise the tool's yes/no flag (null: not said)
        case
            when nullif(trim(code_qpv), '') is not null then true
            when lower(trim(resident_qpv)) = 'oui' then true
            when lower(trim(resident_qpv)) = 'non' then false
        end as is_qpv_resident,
        cast(niveau_formation as integer) as education_level,
        list_filter(
            list_transform(string_split(coalesce(publics, ''), '|'), lambda code: upper(trim(code))),
            lambda code: code <> ''
        ) as public_codes,
        nullif(upper(trim(prescripteur)), '') as prescriber_code,
        cast(date_entree as date) as entry_date,
        source_file,
        cast(line_number as bigint) as line_number,
        _dlt_load_id as load_id
    from source

)

select
    *,
    {{ replaced_tracking_rows('participant_key') }} as replaced_rows,
    -- every pseudonym this participant was published under (an identity corrected gives another one): the
    -- beneficiaries a re-publication can change (macros/tracking_changes.sql)
    list_sort(list_distinct(list(beneficiary_key) over (partition by participant_key))) as published_beneficiary_keys
from published
{{ where_tracking_key_touched('published', 'participant_key') }}
{{ keep_latest_tracking_row('participant_key') }}
