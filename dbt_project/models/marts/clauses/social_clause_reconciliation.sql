{#- Contracts declaring a social consideration in the DECP (clause, criterion or reservation:
    fct_contracts.has_social_consideration) reconciled with the clause contracts actually tracked.
    One row per (DECP contract, tracked contract) pair, plus one row per declared DECP contract without any
    tracked contract and one per tracked contract linked to no DECP contract. Status:
      declared_and_tracked        DECP declares a social consideration and the contract is tracked;
      declared_not_tracked        declared in DECP, no tracked contract linked;
      tracked_not_declared        tracked, linked to a DECP contract that says "no social consideration";
      tracked_declaration_unknown tracked, linked to a DECP record that cannot say (2019 format, tabular);
      tracked_not_in_decp         tracked, no DECP contract found. -#}
with decp_contracts as (

    select * from {{ ref('fct_contracts') }}

),

tracked_contracts as (

    select * from {{ ref('fct_tracked_contracts') }}

),

tracked_buyers as (

    select distinct buyer_siret from tracked_contracts

),

tracked_rows as (

    select
        tracked_contracts.contract_key,
        tracked_contracts.tracked_contract_key,
        case
            when tracked_contracts.contract_key is null then 'tracked_not_in_decp'
            when decp_contracts.has_social_consideration then 'declared_and_tracked'
            when not decp_contracts.has_social_consideration then 'tracked_not_declared'
            else 'tracked_declaration_unknown'
        end as reconciliation_status
    from tracked_contracts
    left join decp_contracts using (contract_key)

),

untracked_declared as (

    select
        decp_contracts.contract_key,
        cast(null as varchar) as tracked_contract_key,
        'declared_not_tracked' as reconciliation_status
    from decp_contracts
    where decp_contracts.has_social_consideration
        and decp_contracts.contract_key not in (
            select contract_key from tracked_contracts where contract_key is not null
        )

),

pairs as (

    select * from tracked_rows
    union all
    select * from untracked_declared

)

select
    md5(coalesce(pairs.contract_key, '-') || '|' || coalesce(pairs.tracked_contract_key, '-')) as reconciliation_key,
    pairs.reconciliation_status,
    pairs.contract_key,
    pairs.tracked_contract_key,
    coalesce(decp_contracts.buyer_siret, tracked_contracts.buyer_siret) as buyer_siret,
    coalesce(decp_contracts.notification_year, tracked_contracts.notification_year) as notification_year,
    coalesce(decp_contracts.buyer_siret, tracked_contracts.buyer_siret) in (select buyer_siret from tracked_buyers)
        as is_buyer_tracked,
    decp_contracts.social_considerations_known as decp_social_considerations_known,
    decp_contracts.has_social_consideration as decp_has_social_consideration,
    decp_contracts.has_social_clause as decp_has_social_clause,
    decp_contracts.has_social_criterion as decp_has_social_criterion,
    decp_contracts.is_reserved_contract as decp_is_reserved_contract,
    decp_contracts.initial_amount_eur as decp_amount_eur,
    tracked_contracts.legal_basis_code as tracked_legal_basis_code,
    tracked_contracts.hours_planned,
    tracked_contracts.hours_worked,
    tracked_contracts.link_method,
    tracked_contracts.link_confidence
from pairs
left join decp_contracts on decp_contracts.contract_key = pairs.contract_key
left join tracked_contracts on tracked_contracts.tracked_contract_key = pairs.tracked_contract_key
