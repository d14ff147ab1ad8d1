{#- The link between each tracked clause contract and at most one DECP contract.
    1. By DECP id: the tracked contract's id_decp equals the DECP `id` of a contract of the same buyer SIRET
       (link_method `decp_id_buyer`, confidence 1.0); an id_decp found only under another buyer gives
       `decp_id_other_buyer` (0.7).
    2. Otherwise (no id_decp, or an id found nowhere), among the DECP contracts of the same buyer SIRET
       notified at most 30 days apart and not already linked by id, an evidence score in [0, 1] averages four
       agreements: dates (1 − days apart / 30), CPV (same code 1, same 5 digits 0.7, same division 0.3),
       amount (1 − relative gap / 0.2 within ±20 %, else 0) and object (Jaro-Winkler similarity of the
       normalised objects). A pair is accepted when the score is at least 0.6 and the amount or the object
       agrees (gap ≤ 20 % or similarity ≥ 0.85), and only if it is the best pair for both contracts
       (one-to-one). link_method says what agreed (`buyer_date_cpv_amount`, `buyer_date_cpv`,
       `buyer_date_amount`); confidence = 0.4 + 0.5 × score, at most 0.9 (always below an id link).
    Ties: method (id links first), confidence, fewer days apart, smaller amount gap, then contract_key, so the
    result is deterministic. Unlinked: `unlinked`. -#}
{%- set max_days = var('clauses_link_max_days', 30) -%}
{%- set amount_tolerance = var('clauses_link_amount_tolerance', 0.2) -%}
{%- set min_evidence = var('clauses_link_min_evidence', 0.6) -%}

with tracked_contracts as (

    -- objects normalised once per contract, not once per candidate pair (millions at the national scale)
    select *, {{ comparable_text('contract_object') }} as comparable_object
    from {{ ref('stg_suivi_clauses__tracked_contracts') }}

),

decp_contracts as (

    select
        contract_key,
        contract_id,
        buyer_id as buyer_siret,
        cpv_code,
        notification_date,
        amount_eur,
        {{ comparable_text('contract_object') }} as comparable_object
    from {{ ref('int_decp_contracts_modified') }}
    -- only the contracts a tracked contract can be linked to: its DECP id, or its buyer (fuzzy pairs)
    where buyer_id in (select buyer_siret from tracked_contracts)
        or contract_id in (select decp_contract_id from tracked_contracts)

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
        case
            when tracked_contracts.cpv_code = decp_contracts.cpv_code then 1.0
            when left(tracked_contracts.cpv_code, 5) = left(decp_contracts.cpv_code, 5) then 0.7
            when left(tracked_contracts.cpv_code, 2) = left(decp_contracts.cpv_code, 2) then 0.3
            else 0.0
        end as cpv_similarity,
        abs(tracked_contracts.amount_eur - decp_contracts.amount_eur) / nullif(decp_contracts.amount_eur, 0)
            as amount_gap,
        tracked_contracts.comparable_object as tracked_object,
        decp_contracts.comparable_object as decp_object
    from tracked_contracts
    inner join decp_contracts
        on decp_contracts.buyer_siret = tracked_contracts.buyer_siret
        and abs(datediff('day', tracked_contracts.notification_date, decp_contracts.notification_date))
            <= {{ max_days }}
    where tracked_contracts.tracked_contract_key not in (select tracked_contract_key from id_candidates)
        -- a DECP contract already claimed by an id link is not offered to another tracked contract
        and decp_contracts.contract_key not in (select contract_key from id_candidates)

),

fuzzy_bounded as (

    -- the score without the object term; with a similarity of 1 at most, the object adds 0.25 at most
    select
        *,
        0.25 * (1 - days_apart / {{ max_days }})
        + 0.25 * cpv_similarity
        + 0.25 * case when amount_gap <= {{ amount_tolerance }} then 1 - amount_gap / {{ amount_tolerance }} else 0 end
            as score_without_object
    from fuzzy_pairs

),

fuzzy_scored as (

    -- Jaro-Winkler, by far the costliest step, only for the pairs that can still reach the threshold (most
    -- pairs of a busy buyer cannot): the others would be refused below whatever their objects. A `case`, so
    -- that the optimiser cannot evaluate the similarity before the bound when it moves filters into the join.
    select
        * exclude (tracked_object, decp_object, score_without_object),
        coalesce(amount_gap <= {{ amount_tolerance }}, false) as is_amount_close,
        score_without_object + 0.25 * coalesce(object_similarity, 0) as evidence_score
    from (
        select
            *,
            case when score_without_object + 0.25 >= {{ min_evidence }}
                then jaro_winkler_similarity(tracked_object, decp_object) end as object_similarity
        from fuzzy_bounded
        where score_without_object + 0.25 >= {{ min_evidence }}
    )

),

fuzzy_accepted as (

    -- Enough agreeing evidence, and the amount or the object must agree: buyer + dates + division alone
    -- match too many contracts of a busy buyer.
    select *
    from fuzzy_scored
    where evidence_score >= {{ min_evidence }}
        and (is_amount_close or coalesce(object_similarity, 0) >= 0.85)

),

fuzzy_candidates as (

    select
        tracked_contract_key,
        contract_key,
        case
            when cpv_similarity > 0 and is_amount_close then 'buyer_date_cpv_amount'
            when cpv_similarity > 0 then 'buyer_date_cpv'
            else 'buyer_date_amount'
        end as link_method,
        round(least(0.9, 0.4 + 0.5 * evidence_score), 3) as confidence,
        days_apart,
        amount_gap
    from fuzzy_accepted
    -- one-to-one: the pair must be the best for the tracked contract and for the DECP contract
    qualify row_number() over (
            partition by contract_key order by evidence_score desc, days_apart asc, tracked_contract_key asc
        ) = 1

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
        order by
            method_rank asc, confidence desc, days_apart asc nulls last, amount_gap asc nulls last, contract_key asc
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
