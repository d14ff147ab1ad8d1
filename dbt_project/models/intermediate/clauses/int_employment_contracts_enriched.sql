{#- Employment contracts with their beneficiary, durations and whether they are lasting employment.
    Duration: days from start to end date inclusive; months = days / 30.4375 (mean month). A contract is
    lasting employment ("emploi durable") when its type's rule (seed clauses_types_contrats) is `toujours`
    (CDI, CDI inclusion) or `6_mois` and it lasts at least six calendar months (end date + 1 day on or after
    start date + 6 months). An open contract (no end date) of a `6_mois` type is not counted.
    Incremental (macros/incremental.sql): a refresh computes again the contracts whose row can have changed since
    the last build (described again, or their participant, tracked contract or hours) and, since a contract's rank
    in its beneficiary's path depends on the beneficiary's other contracts, every contract of the beneficiaries
    those contracts belong to, now or at the last build (a contract moved to another participant changes the path
    it left too). The other rows cannot have changed. -#}
{{ config(
    materialized='incremental',
    unique_key='employment_contract_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with all_employment_contracts as (

    select * from {{ ref('stg_suivi_clauses__employment_contracts') }}

),

participants as (

    select participant_key, beneficiary_key, load_id from {{ ref('stg_suivi_clauses__participants') }}

),

tracked_contracts as (

    select tracked_contract_key, operation_key, load_id from {{ ref('stg_suivi_clauses__tracked_contracts') }}

),

attributed_hours as (

    select * from {{ ref('int_insertion_hours_attributed') }}

),

{% if is_incremental() %}
{%- set built = last_built_load_id('refreshed_load_id') %}
touched_contracts as (

    {{ employment_contracts_described_since(built, 'all_employment_contracts', 'participants', 'tracked_contracts') }}
    union
    select employment_contract_key from attributed_hours where refreshed_load_id > {{ built }}

),

-- their beneficiaries now and at the last build (null: contracts whose participant is not described)
touched_beneficiaries as (

    select participants.beneficiary_key
    from all_employment_contracts
    left join participants using (participant_key)
    where all_employment_contracts.employment_contract_key in (select employment_contract_key from touched_contracts)
    union
    select built_rows.beneficiary_key
    from {{ this }} as built_rows
    where built_rows.employment_contract_key in (select employment_contract_key from touched_contracts)

),

employment_contracts as (

    select all_employment_contracts.*
    from all_employment_contracts
    left join participants using (participant_key)
    where participants.beneficiary_key in (select beneficiary_key from touched_beneficiaries)
        or (
            participants.beneficiary_key is null
            and exists (select 1 from touched_beneficiaries where beneficiary_key is null)
        )

),
{% else %}
employment_contracts as (

    select * from all_employment_contracts

),
{% endif %}

contract_types as (

    select code, regle_emploi_durable from {{ ref('clauses_types_contrats') }}

),

-- the hours as counted everywhere else: a month published twice counts once, its latest row
worked as (

    select
        employment_contract_key,
        sum(hours) as hours_worked,
        count(*) as month_count,
        min(month_date) as first_month_date,
        max(month_date) as last_month_date
    from attributed_hours
    {% if is_incremental() %}
    where employment_contract_key in (select employment_contract_key from employment_contracts)
    {% endif %}
    group by employment_contract_key

),

enriched as (

    select
        employment_contracts.*,
        participants.beneficiary_key,
        tracked_contracts.operation_key,
        contract_types.regle_emploi_durable as lasting_employment_rule,
        case when employment_contracts.end_date is not null
            then datediff('day', employment_contracts.start_date, employment_contracts.end_date) + 1
        end as duration_days,
        coalesce(worked.hours_worked, 0) as hours_worked,
        coalesce(worked.month_count, 0) as hours_month_count,
        worked.first_month_date,
        worked.last_month_date
    from employment_contracts
    left join participants using (participant_key)
    left join tracked_contracts using (tracked_contract_key)
    left join contract_types on contract_types.code = employment_contracts.contract_type_code
    left join worked using (employment_contract_key)

)

select
    *,
    round(duration_days / 30.4375, 2) as duration_months,
    end_date is null as is_open_ended,
    coalesce(
        lasting_employment_rule = 'toujours'
        or (lasting_employment_rule = '6_mois'
            and end_date + interval 1 day >= start_date + interval 6 month),
        false
    ) as is_lasting_employment,
    row_number() over (
        partition by beneficiary_key order by start_date, source_name, employment_contract_key
    ) as contract_rank_in_path,
    {{ latest_load_id(hours_attribution_inputs()) }} as refreshed_load_id
from enriched
