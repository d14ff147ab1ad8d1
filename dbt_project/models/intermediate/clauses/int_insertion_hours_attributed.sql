-- Monthly hours worked, attributed to their employment contract, beneficiary, tracked contract and operation.
-- Kept free of seeds so that fct_contracts (DECP) can aggregate worked hours without the nomenclatures.
-- Integrity rules (the rows set aside are listed with their reason in clause_tracking_issues):
--   * a contract × month reported twice by a source keeps the last row published (latest file, last line):
--     exports re-publish corrected months;
--   * hours of a contract the source does not describe are not attributed.
with published_hours as (

    select * from {{ ref('stg_suivi_clauses__monthly_hours') }}

),

hours as (

    select * from published_hours
    qualify row_number() over (
        partition by employment_contract_key, month_date order by {{ latest_tracking_row_first() }}
    ) = 1

),

employment_contracts as (

    select * from {{ ref('stg_suivi_clauses__employment_contracts') }}

),

participants as (

    select participant_key, beneficiary_key from {{ ref('stg_suivi_clauses__participants') }}

),

tracked_contracts as (

    select tracked_contract_key, operation_key from {{ ref('stg_suivi_clauses__tracked_contracts') }}

)

select
    md5(hours.employment_contract_key || '|' || cast(hours.month_date as varchar)) as insertion_hours_key,
    hours.employment_contract_key,
    participants.beneficiary_key,
    employment_contracts.participant_key,
    employment_contracts.tracked_contract_key,
    tracked_contracts.operation_key,
    hours.source_name,
    hours.month_date,
    cast(year(hours.month_date) as integer) as year,
    hours.hours,
    hours.source_file,
    hours.line_number
from hours
inner join employment_contracts using (employment_contract_key)
left join participants on participants.participant_key = employment_contracts.participant_key
left join tracked_contracts on tracked_contracts.tracked_contract_key = employment_contracts.tracked_contract_key
