-- One row per beneficiary and month: hours worked across all employment contracts and sources. The legal
-- bound (300 h a month, the exchange format's limit per contract) is checked on the person, not the contract.
with hours as (

    select * from {{ ref('int_insertion_hours_attributed') }}
    where beneficiary_key is not null

)

select
    beneficiary_key,
    month_date,
    year,
    sum(hours) as hours,
    -- an employment contract has one row per month (int_insertion_hours_attributed): no need for distinct
    count(*) as employment_contract_count,
    count(distinct source_name) as source_count,
    sum(hours) between 0 and 300 as is_within_monthly_bound
from hours
group by beneficiary_key, month_date, year
