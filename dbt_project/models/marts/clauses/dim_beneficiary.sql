{#- One row per beneficiary (pseudonymous: the keyed HMAC computed at extraction; no identity is held).
    Attributes are those of int_beneficiaries_unified (the earliest entry wins, publics are the union).
    Age band at first entry: under_26 (< 26), 26_49, 50_and_over (>= 50), unknown.
    Incremental on the beneficiaries a refresh touches (macros/tracking_changes.sql). -#}
-- depends_on: {{ ref('stg_suivi_clauses__participants') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_touched_beneficiaries() }}",
) }}

with beneficiaries as (

    select * from {{ ref('int_beneficiaries_unified') }}
    {% if is_incremental() %}
    where beneficiary_key in (
        {{ touched_beneficiaries('dim_beneficiary', last_built_load_id('refreshed_load_id')) }}
    )
    {% endif %}

),

levels as (

    select
        cast(code as integer) as education_level,
        libelle as education_level_label,
        cast(est_cap_bep_ou_infra as boolean) as is_cap_bep_or_below
    from {{ ref('clauses_niveaux_formation') }}

)

select
    beneficiaries.beneficiary_key,
    beneficiaries.sex,
    beneficiaries.age_at_first_entry,
    case
        when beneficiaries.age_at_first_entry is null then 'unknown'
        when beneficiaries.age_at_first_entry < 26 then 'under_26'
        when beneficiaries.age_at_first_entry < 50 then '26_49'
        else '50_and_over'
    end as age_band,
    beneficiaries.education_level,
    levels.education_level_label,
    levels.is_cap_bep_or_below,
    beneficiaries.residence_commune_code,
    beneficiaries.qpv_code,
    beneficiaries.is_qpv_resident,
    nullif(array_to_string(beneficiaries.public_codes, '|'), '') as public_codes,
    list_contains(beneficiaries.public_codes, 'DELD') as is_long_term_unemployed,
    list_contains(beneficiaries.public_codes, 'MINIMA_RSA') as is_rsa,
    list_contains(beneficiaries.public_codes, 'MINIMA_AUTRES') as is_other_minimum_income,
    list_contains(beneficiaries.public_codes, 'TH') as is_disabled,
    coalesce(beneficiaries.age_at_first_entry < 26, false) as is_young_under_26,
    coalesce(beneficiaries.age_at_first_entry >= 50, false) as is_senior_50,
    coalesce(beneficiaries.prescriber_code, 'INCONNU') as prescriber_code,
    beneficiaries.first_entry_date,
    beneficiaries.first_source_name,
    cast(beneficiaries.source_count as integer) as source_count,
    cast(beneficiaries.participant_record_count as integer) as participant_record_count,
    beneficiaries.has_conflicting_attributes,
    beneficiaries.refreshed_load_id
from beneficiaries
left join levels using (education_level)
