-- Per DECP contract (contract_key): the tracked clause contracts linked to it, their planned hours and the
-- hours worked on them. Feeds fct_contracts (hours_planned, hours_worked, is_tracked).
with links as (

    select * from {{ ref('int_tracked_contracts_linked') }}
    where contract_key is not null

),

tracked_contracts as (

    select tracked_contract_key, planned_hours from {{ ref('stg_suivi_clauses__tracked_contracts') }}

),

worked as (

    select tracked_contract_key, sum(hours) as hours_worked
    from {{ ref('int_insertion_hours_attributed') }}
    group by tracked_contract_key

)

select
    links.contract_key,
    count(*) as tracked_contract_count,
    sum(tracked_contracts.planned_hours) as hours_planned,
    coalesce(sum(worked.hours_worked), 0) as hours_worked
from links
inner join tracked_contracts using (tracked_contract_key)
left join worked using (tracked_contract_key)
group by links.contract_key
