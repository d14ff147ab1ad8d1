{#- One row per beneficiary (beneficiary_pseudonym) across all tracking sources.
    Rule when sources disagree: the participant record with the earliest entry date wins for sex, age,
    residence, QPV, diploma level and prescriber (ties: source_name, then participant pseudonym, so the result
    is deterministic); eligibility publics are the union over all the person's records (each facilitator
    validated an eligibility); disagreements on sex, residence or level are flagged.
    Incremental on the beneficiaries a refresh touches (macros/tracking_changes.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_touched_beneficiaries() }}",
) }}

with participants as (

    select * from {{ ref('stg_suivi_clauses__participants') }}
    where beneficiary_key is not null
    {% if is_incremental() %}
        and beneficiary_key in (
            {{ touched_beneficiaries('int_beneficiaries_unified', last_built_load_id('refreshed_load_id')) }}
        )
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by beneficiary_key
            order by entry_date nulls last, source_name, participant_key
        ) as entry_rank
    from participants

),

earliest_record as (

    select * from ranked where entry_rank = 1

),

across_sources as (

    select
        beneficiary_key,
        count(*) as participant_record_count,
        count(distinct source_name) as source_count,
        min(entry_date) as first_entry_date,
        max(entry_date) as last_entry_date,
        list_sort(list_distinct(flatten(list(public_codes)))) as public_codes,
        count(distinct sex) > 1
            or count(distinct residence_commune_code) > 1
            or count(distinct education_level) > 1 as has_conflicting_attributes
    from participants
    group by beneficiary_key

)

select
    earliest_record.beneficiary_key,
    earliest_record.participant_key as first_participant_key,
    earliest_record.source_name as first_source_name,
    across_sources.first_entry_date,
    across_sources.last_entry_date,
    earliest_record.sex,
    earliest_record.age_at_entry as age_at_first_entry,
    earliest_record.residence_commune_code,
    earliest_record.qpv_code,
    coalesce(earliest_record.is_qpv_resident, false) as is_qpv_resident,
    earliest_record.education_level,
    earliest_record.prescriber_code,
    across_sources.public_codes,
    across_sources.participant_record_count,
    across_sources.source_count,
    across_sources.has_conflicting_attributes,
    {{ latest_load_id([ref('stg_suivi_clauses__participants')]) }} as refreshed_load_id
from earliest_record
inner join across_sources using (beneficiary_key)
