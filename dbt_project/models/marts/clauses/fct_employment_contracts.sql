-- One row per employment contract of a beneficiary on a tracked clause contract, with durations and hours.
-- Incremental (macros/incremental.sql): the hours cumulated along a beneficiary's path depend on all their contracts,
-- so a refresh computes again every contract of the beneficiaries of the rows int_employment_contracts_enriched
-- recomputed since the last build, as they are now and as they were then.
{{ config(
    materialized='incremental',
    unique_key='employment_contract_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with all_employment_contracts as (

    select * from {{ ref('int_employment_contracts_enriched') }}

),

{% if is_incremental() %}
{%- set built = last_built_load_id('refreshed_load_id') %}
recomputed as (

    select employment_contract_key, beneficiary_key from all_employment_contracts
    where refreshed_load_id > {{ built }}

),

touched_beneficiaries as (

    select beneficiary_key from recomputed
    union
    select built_rows.beneficiary_key
    from {{ this }} as built_rows
    where built_rows.employment_contract_key in (select employment_contract_key from recomputed)

),

employment_contracts as (

    select * from all_employment_contracts
    where beneficiary_key in (select beneficiary_key from touched_beneficiaries)
        or (beneficiary_key is null and exists (select 1 from touched_beneficiaries where beneficiary_key is null))

)
{% else %}
employment_contracts as (

    select * from all_employment_contracts

)
{% endif %}

select
    employment_contract_key,
    source_name,
    source_employment_contract_id,
    beneficiary_key,
    participant_key,
    tracked_contract_key,
    operation_key,
    employer_siret,
    contract_type_code,
    modality_code,
    start_date,
    end_date,
    cast(duration_days as integer) as duration_days,
    cast(duration_months as double) as duration_months,
    is_open_ended,
    is_lasting_employment,
    cast(hours_worked as double) as hours_worked,
    cast(hours_month_count as integer) as hours_month_count,
    first_month_date,
    last_month_date,
    cast(contract_rank_in_path as integer) as contract_rank_in_path,
    cast(sum(hours_worked) over (
        partition by beneficiary_key
        order by contract_rank_in_path
        rows between unbounded preceding and current row
    ) as double) as cumulative_hours_in_path,
    source_file,
    line_number,
    refreshed_load_id
from employment_contracts
