{#- The open-data set profils_acheteurs before statistical secrecy: one row per identified buyer (SIRET of dim_buyer)
    and year, with its contracts notified in the year (valid notification date) with and without a social
    consideration, the share of those of the other buyers of the same type and département (its peers), and the
    hours worked in the year on its tracked contracts and the distinct people who worked them. A buyer with tracked
    contracts but absent from the DECP has no row (it has no name, type nor département). -#}
with buyers as (

    select
        buyers.buyer_key,
        buyers.buyer_siret,
        buyers.buyer_name,
        buyers.buyer_type,
        buyers.buyer_type_label,
        coalesce(geography.departement_code, 'inconnu') as departement_code
    from {{ ref('dim_buyer') }} as buyers
    left join {{ ref('dim_geography') }} as geography on geography.commune_code = buyers.commune_code
    where buyers.buyer_siret is not null

),

contracts as (

    select
        buyers.buyer_siret,
        contracts.notification_year as annee,
        count(*) as marches,
        count(*) filter (where contracts.social_considerations_known) as marches_consideration_connue,
        count(*) filter (where contracts.has_social_consideration) as marches_avec_consideration_sociale,
        count(*) filter (where contracts.has_social_clause) as marches_avec_clause_sociale,
        coalesce(sum(contracts.current_amount_eur) filter (where not contracts.is_amount_anomalous), 0) as montant_total
    from {{ ref('fct_contracts') }} as contracts
    inner join buyers using (buyer_key)
    where contracts.is_notification_date_valid
    group by all

),

tracked as (

    select
        tracked.buyer_siret,
        hours.year as annee,
        sum(hours.hours) as heures_realisees,
        count(distinct hours.beneficiary_key) as beneficiaires,
        count(distinct hours.tracked_contract_key) as marches_suivis
    from {{ ref('fct_insertion_hours') }} as hours
    inner join {{ ref('fct_tracked_contracts') }} as tracked using (tracked_contract_key)
    where hours.hours > 0 and tracked.buyer_siret in (select buyer_siret from buyers)
    group by all

),

buyer_years as (

    select buyer_siret, annee from contracts
    union
    select buyer_siret, annee from tracked

),

profiles as (

    select
        buyer_years.annee,
        buyers.buyer_siret,
        buyers.buyer_name,
        buyers.buyer_type,
        buyers.buyer_type_label,
        buyers.departement_code,
        coalesce(contracts.marches, 0) as marches,
        coalesce(contracts.marches_consideration_connue, 0) as marches_consideration_connue,
        coalesce(contracts.marches_avec_consideration_sociale, 0) as marches_avec_consideration_sociale,
        coalesce(contracts.marches_avec_clause_sociale, 0) as marches_avec_clause_sociale,
        coalesce(contracts.montant_total, 0) as montant_total,
        coalesce(tracked.marches_suivis, 0) as marches_suivis,
        coalesce(tracked.heures_realisees, 0) as heures_realisees,
        coalesce(tracked.beneficiaires, 0) as beneficiaires
    from buyer_years
    inner join buyers using (buyer_siret)
    left join contracts using (buyer_siret, annee)
    left join tracked using (buyer_siret, annee)

),

-- peers: every buyer of the same year, type and département with a contract notified in the year; the buyer itself
-- is taken out of its peers' totals below. No peers for an unknown type or département.
peer_totals as (

    select
        annee,
        buyer_type,
        departement_code,
        count(*) filter (where marches > 0) as acheteurs,
        sum(marches_consideration_connue) as marches_consideration_connue,
        sum(marches_avec_consideration_sociale) as marches_avec_consideration_sociale
    from profiles
    where buyer_type != 'inconnu' and departement_code != 'inconnu'
    group by all

)

select
    cast(profiles.annee as integer) as annee,
    profiles.buyer_siret as siret_acheteur,
    profiles.buyer_name as nom_acheteur,
    profiles.buyer_type as type_acheteur,
    profiles.buyer_type_label as libelle_type_acheteur,
    profiles.departement_code as departement_acheteur,
    cast(profiles.marches as integer) as marches,
    cast(profiles.marches_consideration_connue as integer) as marches_consideration_connue,
    cast(profiles.marches_avec_consideration_sociale as integer) as marches_avec_consideration_sociale,
    cast(profiles.marches_avec_clause_sociale as integer) as marches_avec_clause_sociale,
    cast(round(profiles.montant_total, 2) as double) as montant_total,
    cast(round(profiles.marches_avec_consideration_sociale / nullif(profiles.marches_consideration_connue, 0), 4)
        as double) as part_consideration_sociale,
    cast(peers.acheteurs - cast(profiles.marches > 0 as integer) as integer) as acheteurs_pairs,
    cast(peers.marches_consideration_connue - profiles.marches_consideration_connue as integer)
        as marches_consideration_connue_pairs,
    cast(round(
        (peers.marches_avec_consideration_sociale - profiles.marches_avec_consideration_sociale)
        / nullif(peers.marches_consideration_connue - profiles.marches_consideration_connue, 0), 4
    ) as double) as part_consideration_sociale_pairs,
    cast(profiles.marches_suivis as integer) as marches_suivis,
    cast(round(profiles.heures_realisees, 2) as double) as heures_realisees,
    cast(profiles.beneficiaires as integer) as beneficiaires
from profiles
left join peer_totals as peers using (annee, buyer_type, departement_code)
