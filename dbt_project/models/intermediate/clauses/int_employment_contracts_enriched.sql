{#- Employment contracts with their beneficiary, durations and whether they are lasting employment.
    Duration: days from start to end date inclusive; months = days / 30.4375 (mean month). A contract is
    lasting employment ("emploi durable") when its type's rule (seed clauses_types_contrats) is `toujours`
    (CDI, CDI inclusion) or `6_mois` and it lasts at least six calendar months (end date + 1 day on or after
    start date + 6 months). An open contract (no end date) of a `6_mois` type is not counted. -#}
with employment_contracts as (

    select * from {{ ref('stg_suivi_clauses__employment_contracts') }}

),

participants as (

    select participant_key, beneficiary_key, entry_date from {{ ref('stg_suivi_clauses__participants') }}

),

tracked_contracts as (

    select tracked_contract_key, operation_key from {{ ref('stg_suivi_clauses__tracked_contracts') }}

),

contract_types as (

    select code, regle_emploi_durable from {{ ref('clauses_types_contrats') }}

),

worked as (

    select
        employment_contract_key,
        sum(hours) as hours_worked,
        count(*) as month_count,
        min(month_date) as first_month_date,
        max(month_date) as last_month_date
    from {{ ref('stg_suivi_clauses__monthly_hours') }}
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
    ) as contract_rank_in_path
from enriched
