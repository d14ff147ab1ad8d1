{#- The link between each tracked clause contract and at most one DECP contract.
    1. By DECP id: the tracked contract's id_decp equals the DECP `id` of a contract of the same buyer SIRET
       (link_method `decp_id_buyer`, confidence 1.0); an id_decp found only under another buyer gives
       `decp_id_other_buyer` (0.7).
    2. Otherwise (no id_decp, or an id found nowhere), same buyer SIRET, notification dates at most
       {{ var('clauses_link_max_days', 30) }} days apart, and the same CPV division (2 first digits) and/or an amount
       within ±20 % of the DECP amount: link_method `buyer_date_cpv_amount`, `buyer_date_cpv` or
       `buyer_date_amount`, confidence = 0.4 + 0.2 × (1 − days apart / 30) + 0.15 if same CPV division
       + 0.15 × (1 − relative amount gap / 0.2) if amounts agree (at most 0.9, always below an id link).
    Ties: method (id links first), confidence, fewer days apart, smaller amount gap, then contract_key, so the
    result is deterministic. Several tracked lots may link to one DECP contract. Unlinked: `unlinked`. -#}
{%- set max_days = var('clauses_link_max_days', 30) -%}
{%- set amount_tolerance = var('clauses_link_amount_tolerance', 0.2) -%}

with tracked_contracts as (

    select * from {{ ref('stg_suivi_clauses__tracked_contracts') }}

),

decp_contracts as (

    select
        contract_key,
        contract_id,
        buyer_id as buyer_siret,
        cpv_code,
        notification_date,
        amount_eur
    from {{ ref('int_contracts_modified') }}

),

id_candidates as (

    select
        tracked_contracts.tracked_contract_key,
        decp_contracts.contract_key,
        case when decp_contracts.buyer_siret = tracked_contracts.buyer_siret
            then 'decp_id_buyer' else 'decp_id_other_buyer' end as link_method,
        case when decp_contracts.buyer_siret = tracked_contracts.buyer_siret then 1.0 else 0.7 end as confidence,
        abs(datediff('day', tracked_contracts.notification_date, decp_contracts.notification_date)) as days_apart,
        abs(tracked_contracts.amount_eur - decp_contracts.amount_eur) / nullif(decp_contracts.amount_eur, 0)
            as amount_gap
    from tracked_contracts
    inner join decp_contracts
        on decp_contracts.contract_id = tracked_contracts.decp_contract_id

),

fuzzy_pairs as (

    select
        tracked_contracts.tracked_contract_key,
        decp_contracts.contract_key,
        abs(datediff('day', tracked_contracts.notification_date, decp_contracts.notification_date)) as days_apart,
        coalesce(left(tracked_contracts.cpv_code, 2) = left(decp_contracts.cpv_code, 2), false) as is_same_cpv_division,
        abs(tracked_contracts.amount_eur - decp_contracts.amount_eur) / nullif(decp_contracts.amount_eur, 0)
            as amount_gap
    from tracked_contracts
    inner join decp_contracts
        on decp_contracts.buyer_siret = tracked_contracts.buyer_siret
        and abs(datediff('day', tracked_contracts.notification_date, decp_contracts.notification_date))
            <= {{ max_days }}
    where tracked_contracts.tracked_contract_key not in (select tracked_contract_key from id_candidates)

),

fuzzy_candidates as (

    select
        tracked_contract_key,
        contract_key,
        case
            when is_same_cpv_division and coalesce(amount_gap <= {{ amount_tolerance }}, false) then 'buyer_date_cpv_amount'
            when is_same_cpv_division then 'buyer_date_cpv'
            else 'buyer_date_amount'
        end as link_method,
        round(
            0.4
            + 0.2 * (1 - days_apart / {{ max_days }})
            + case when is_same_cpv_division then 0.15 else 0 end
            + case when amount_gap <= {{ amount_tolerance }} then 0.15 * (1 - amount_gap / {{ amount_tolerance }}) else 0 end,
            3
        ) as confidence,
        days_apart,
        amount_gap
    from fuzzy_pairs
    where is_same_cpv_division or coalesce(amount_gap <= {{ amount_tolerance }}, false)

),

candidates as (

    select *, case link_method when 'decp_id_buyer' then 1 else 2 end as method_rank from id_candidates
    union all
    select *, 3 as method_rank from fuzzy_candidates

),

best_candidate as (

    select
        *,
        count(*) over (partition by tracked_contract_key) as candidate_count
    from candidates
    qualify row_number() over (
        partition by tracked_contract_key
        order by method_rank, confidence desc, days_apart nulls last, amount_gap nulls last, contract_key
    ) = 1

)

select
    tracked_contracts.tracked_contract_key,
    best_candidate.contract_key,
    coalesce(best_candidate.link_method, 'unlinked') as link_method,
    cast(best_candidate.confidence as double) as link_confidence,
    cast(best_candidate.days_apart as integer) as link_days_apart,
    cast(round(best_candidate.amount_gap, 4) as double) as link_amount_gap,
    cast(coalesce(best_candidate.candidate_count, 0) as integer) as link_candidate_count
from tracked_contracts
left join best_candidate using (tracked_contract_key)
