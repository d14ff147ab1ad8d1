-- One row per public contract (marché or concession), in its current state after modifications.
-- Incremental on contract_key (macros/incremental.sql): a refresh rebuilds the contracts that records loaded
-- since the last build belong to, and those whose tracked hours changed; `dbt build --full-refresh` all.
{{ config(
    materialized='incremental',
    unique_key='contract_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{%- if is_incremental() %}{% set built = last_built_load_id('load_id') %}{% endif %}

with

{% if is_incremental() %}
touched as (

    select contract_key from {{ ref('int_decp_records_ranked') }}
    where contract_key is not null and {{ load_order('load_id') }} > {{ built }}
    union
    select contract_key
    from {{ ref('int_decp_contracts_tracked_hours') }} as tracked
    full outer join (
        select contract_key, tracked_contract_count, hours_planned, hours_worked from {{ this }} where is_tracked
    ) as built_contracts using (contract_key)
    where cast(tracked.tracked_contract_count as integer) is distinct from built_contracts.tracked_contract_count
        or tracked.hours_planned is distinct from built_contracts.hours_planned
        or tracked.hours_worked is distinct from built_contracts.hours_worked

),
{% endif %}

contracts as (

    select * from {{ ref('int_decp_contracts_modified') }}
    {% if is_incremental() %}where contract_key in (select contract_key from touched){% endif %}

),

holder_counts as (

    select contract_key, count(*) as holder_count
    from {{ ref('fct_contract_holders') }}
    where is_current_holder
    group by contract_key

),

superseded_counts as (

    select contract_key, count(*) - 1 as duplicate_record_count
    from {{ ref('int_decp_records_ranked') }}
    where record_fate in ('retained', 'superseded')
    group by contract_key

),

tracked_hours as (

    -- clause execution tracking linked to this contract (see int_tracked_contracts_linked)
    select * from {{ ref('int_decp_contracts_tracked_hours') }}

),

-- the checks of each buyer identifier, computed once per identifier rather than once per contract
buyer_id_checks as (

    select
        buyer_id,
        {{ is_valid_siret('buyer_id') }} as is_buyer_siret_valid,
        {{ is_placeholder_identifier('buyer_id') }} as is_buyer_id_placeholder
    from (select distinct buyer_id from contracts where buyer_id is not null) as buyer_ids

)

select
    contracts.contract_key,
    contracts.contract_id,
    contracts.buyer_id as buyer_siret,
    contracts.buyer_key,
    contracts.record_type,
    contracts.format_version,
    contracts.source_kind,
    contracts.nature,
    contracts.contract_object,
    contracts.cpv_code,
    contracts.procedure,
    contracts.execution_place_code,
    contracts.execution_place_code_type,
    contracts.price_form,
    contracts.notification_date,
    cast(extract(year from contracts.notification_date) as integer) as notification_year,
    contracts.publication_date,
    contracts.amount_eur as initial_amount_eur,
    contracts.current_amount_eur,
    contracts.duration_months as initial_duration_months,
    contracts.current_duration_months,
    cast(contracts.modification_count as integer) as modification_count,
    contracts.last_modification_date,
    cast(coalesce(holder_counts.holder_count, 0) as integer) as holder_count,
    contracts.social_considerations_known,
    contracts.has_social_clause,
    contracts.has_social_criterion,
    contracts.is_reserved_contract,
    case when contracts.social_considerations_known
        then contracts.has_social_clause or contracts.has_social_criterion or contracts.is_reserved_contract
    end as has_social_consideration,
    contracts.has_environmental_consideration,
    tracked_hours.contract_key is not null as is_tracked,
    cast(coalesce(tracked_hours.tracked_contract_count, 0) as integer) as tracked_contract_count,
    tracked_hours.hours_planned,
    tracked_hours.hours_worked,
    coalesce(buyer_id_checks.is_buyer_siret_valid, false) as is_buyer_siret_valid,  -- no identifier: false
    coalesce(buyer_id_checks.is_buyer_id_placeholder, false) as is_buyer_id_placeholder,
    contracts.cpv_issue,
    {{ publication_date_issue('contracts.publication_date', 'contracts.notification_date') }} is not null
        as is_published_before_notification,
    cast(contracts.modification_date_issue_count as integer) as modification_date_issue_count,
    {{ amount_anomaly_reason('contracts.amount_eur') }} as amount_anomaly_reason,
    {{ amount_anomaly_reason('contracts.amount_eur') }} is not null as is_amount_anomalous,
    contracts.notification_date is not null
        and {{ notification_date_issue('contracts.notification_date', 'contracts.load_id') }} is null
        as is_notification_date_valid,
    contracts.current_duration_months is not null and {{ duration_issue('contracts.current_duration_months') }} is null
        as is_duration_valid,
    cast(coalesce(superseded_counts.duplicate_record_count, 0) as integer) as duplicate_record_count,
    contracts.source_file,
    contracts.record_index as source_record_index,
    contracts.record_key as source_record_key,
    contracts.load_id
from contracts
left join holder_counts using (contract_key)
left join superseded_counts using (contract_key)
left join tracked_hours using (contract_key)
left join buyer_id_checks using (buyer_id)
