{#- Beneficiary paths (parcours): one row per beneficiary, with successive contracts, cumulative hours and the
    first lasting employment. Lasting employment is reached at the earliest of: the start of a lasting
    employment contract in the path (CDI, or CDD/temporary work of 6 months or more, see
    int_employment_contracts_enriched), the date of an exit whose situation at exit is lasting employment, or
    six months after an exit whose situation at six months is lasting employment. months_to_first_lasting_employment
    counts complete months from the first entry (date_entree) to that date.
    Incremental on the beneficiaries a refresh touches (macros/tracking_changes.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_touched_beneficiaries() }}",
) }}

with
{% if is_incremental() %}
touched as (

    {{ touched_beneficiaries('fct_beneficiary_paths', last_built_load_id('refreshed_load_id')) }}

),
{% endif %}

beneficiaries as (

    select beneficiary_key, first_entry_date from {{ ref('int_beneficiaries_unified') }}
    {% if is_incremental() %}where beneficiary_key in (select beneficiary_key from touched){% endif %}

),

contracts as (

    select * from {{ ref('int_employment_contracts_enriched') }}
    where beneficiary_key is not null
    {% if is_incremental() %}and beneficiary_key in (select beneficiary_key from touched){% endif %}

),

exits as (

    select * from {{ ref('int_exits_classified') }}
    where beneficiary_key is not null
    {% if is_incremental() %}and beneficiary_key in (select beneficiary_key from touched){% endif %}

),

contract_summary as (

    select
        beneficiary_key,
        count(*) as employment_contract_count,
        min(start_date) as first_contract_start_date,
        max(coalesce(end_date, last_month_date)) as last_contract_end_date,
        string_agg(contract_type_code, ' > ' order by contract_rank_in_path) as contract_type_sequence,
        sum(hours_worked) as total_hours_worked,
        sum(duration_days) as total_contract_days
    from contracts
    group by beneficiary_key

),

months_worked as (

    select beneficiary_key, count(*) as months_with_hours
    from {{ ref('int_beneficiary_months_summed') }}
    where hours > 0
    {% if is_incremental() %}and beneficiary_key in (select beneficiary_key from touched){% endif %}
    group by beneficiary_key

),

lasting_events as (

    select beneficiary_key, start_date as event_date, 'employment_contract' as reached_through
    from contracts where is_lasting_employment
    union all
    select beneficiary_key, exit_date, 'exit_situation'
    from exits where exit_category = 'emploi_durable'
    union all
    select beneficiary_key, cast(exit_date + interval 6 month as date), 'six_month_situation'
    from exits where six_month_category = 'emploi_durable'

),

first_lasting as (

    select
        beneficiary_key,
        min(event_date) as first_lasting_employment_date,
        arg_min(reached_through, (event_date, reached_through)) as lasting_employment_reached_through
    from lasting_events
    group by beneficiary_key

),

exit_summary as (

    select
        beneficiary_key,
        count(*) as exit_count,
        arg_max(outcome_category, (exit_date, exit_key)) as last_outcome_category
    from exits
    group by beneficiary_key

)

select
    beneficiaries.beneficiary_key,
    beneficiaries.first_entry_date,
    contract_summary.first_contract_start_date,
    contract_summary.last_contract_end_date,
    cast(coalesce(contract_summary.employment_contract_count, 0) as integer) as employment_contract_count,
    contract_summary.contract_type_sequence,
    cast(coalesce(contract_summary.total_hours_worked, 0) as double) as total_hours_worked,
    cast(coalesce(months_worked.months_with_hours, 0) as integer) as months_with_hours,
    cast(contract_summary.total_contract_days as integer) as total_contract_days,
    first_lasting.first_lasting_employment_date is not null as has_reached_lasting_employment,
    first_lasting.first_lasting_employment_date,
    first_lasting.lasting_employment_reached_through,
    cast(date_sub('month', beneficiaries.first_entry_date, first_lasting.first_lasting_employment_date) as integer)
        as months_to_first_lasting_employment,
    cast(coalesce(exit_summary.exit_count, 0) as integer) as exit_count,
    exit_summary.last_outcome_category,
    {{ latest_load_id(hours_attribution_inputs() + [ref('stg_suivi_clauses__exits')]) }} as refreshed_load_id
from beneficiaries
left join contract_summary using (beneficiary_key)
left join months_worked using (beneficiary_key)
left join first_lasting using (beneficiary_key)
left join exit_summary using (beneficiary_key)
