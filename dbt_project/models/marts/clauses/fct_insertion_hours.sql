{#- Monthly insertion hours: one row per beneficiary × employment contract × month (an employment contract
    belongs to one beneficiary, so the key is the employment contract and the month). Rows are immutable
    once loaded (a month re-published by a source replaces its row): the key `insertion_hours_key` is the
    unique_key to use if this table is made incremental. -#}
with hours as (

    select * from {{ ref('int_insertion_hours_attributed') }}

)

select
    insertion_hours_key,
    beneficiary_key,
    employment_contract_key,
    tracked_contract_key,
    operation_key,
    source_name,
    month_date,
    year,
    hours,
    source_file,
    line_number
from hours
