-- One row per beneficiary and month: hours worked across all employment contracts and sources. The legal
-- bound (300 h a month, the exchange format's limit per contract) is checked on the person, not the contract.
-- Incremental on the beneficiaries a refresh touches (macros/tracking_changes.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_touched_beneficiaries() }}",
) }}

with hours as (

    select * from {{ ref('int_insertion_hours_attributed') }}
    where beneficiary_key is not null
    {% if is_incremental() %}
        and beneficiary_key in (
            {{ touched_beneficiaries('int_beneficiary_months_summed', last_built_load_id('refreshed_load_id')) }}
        )
    {% endif %}

)

select
    beneficiary_key,
    month_date,
    year,
    sum(hours) as hours,
    -- an employment contract has one row per month (int_insertion_hours_attributed): no need for distinct
    count(*) as employment_contract_count,
    count(distinct source_name) as source_count,
    sum(hours) between 0 and 300 as is_within_monthly_bound,
    {{ latest_load_id(hours_attribution_inputs()) }} as refreshed_load_id
from hours
group by beneficiary_key, month_date, year
