-- One row per employment contract of a beneficiary on a tracked clause contract, with durations and hours.
with employment_contracts as (

    select * from {{ ref('int_employment_contracts_enriched') }}

)

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
    line_number
from employment_contracts
