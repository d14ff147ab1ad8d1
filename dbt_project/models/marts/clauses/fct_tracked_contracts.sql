-- One row per clause contract (marché or lot) followed by a tracking source, with hours planned and worked
-- and its link to a DECP contract (fct_contracts).
with tracked_contracts as (

    select * from {{ ref('stg_suivi_clauses__tracked_contracts') }}

),

links as (

    select * from {{ ref('int_tracked_contracts_linked') }}

),

decp_contracts as (

    select contract_key, has_social_consideration, has_social_clause from {{ ref('fct_contracts') }}

),

worked as (

    select
        tracked_contract_key,
        sum(hours) as hours_worked,
        count(distinct employment_contract_key) as employment_contract_count,
        count(distinct beneficiary_key) as beneficiary_count
    from {{ ref('int_insertion_hours_attributed') }}
    where hours > 0
    group by tracked_contract_key

)

select
    tracked_contracts.tracked_contract_key,
    tracked_contracts.source_name,
    tracked_contracts.source_contract_id,
    tracked_contracts.operation_key,
    tracked_contracts.buyer_siret,
    tracked_contracts.decp_contract_id,
    tracked_contracts.contract_object,
    tracked_contracts.cpv_code,
    tracked_contracts.amount_eur,
    tracked_contracts.notification_date,
    cast(year(tracked_contracts.notification_date) as integer) as notification_year,
    tracked_contracts.legal_basis_code,
    tracked_contracts.lot,
    tracked_contracts.planned_hours as hours_planned,
    cast(coalesce(worked.hours_worked, 0) as double) as hours_worked,
    round(worked.hours_worked / nullif(tracked_contracts.planned_hours, 0), 4) as hours_completion_rate,
    cast(coalesce(worked.employment_contract_count, 0) as integer) as employment_contract_count,
    cast(coalesce(worked.beneficiary_count, 0) as integer) as beneficiary_count,
    links.contract_key,
    links.contract_key is not null as is_linked_to_decp,
    links.link_method,
    links.link_confidence,
    links.link_days_apart,
    links.link_amount_gap,
    links.link_candidate_count,
    decp_contracts.has_social_consideration as decp_has_social_consideration,
    decp_contracts.has_social_clause as decp_has_social_clause,
    tracked_contracts.source_file,
    tracked_contracts.line_number
from tracked_contracts
left join links using (tracked_contract_key)
left join decp_contracts on decp_contracts.contract_key = links.contract_key
left join worked using (tracked_contract_key)
