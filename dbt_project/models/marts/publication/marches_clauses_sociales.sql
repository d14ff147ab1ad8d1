{#- The open-data set marches_clauses_sociales: contracts declared in the DECP (valid notification date) by year of
    notification, département and type of the buyer and CPV division, with those declaring a social consideration
    or a social clause and their amount. No count of people: published as it is. -#}
select
    cast(contracts.notification_year as integer) as annee,
    coalesce(geography.departement_code, 'inconnu') as departement_acheteur,
    coalesce(buyers.buyer_type, 'inconnu') as type_acheteur,
    coalesce(any_value(buyers.buyer_type_label), 'Type inconnu') as libelle_type_acheteur,
    coalesce(left(contracts.cpv_code, 2), 'inconnu') as secteur_cpv,
    coalesce(any_value(divisions.label_fr), 'Secteur inconnu') as libelle_secteur,
    cast(count(*) as integer) as marches,
    cast(count(*) filter (where contracts.social_considerations_known) as integer) as marches_consideration_connue,
    cast(count(*) filter (where contracts.has_social_consideration) as integer) as marches_avec_consideration_sociale,
    cast(count(*) filter (where contracts.has_social_clause) as integer) as marches_avec_clause_sociale,
    cast(round(coalesce(sum(contracts.current_amount_eur) filter (where not contracts.is_amount_anomalous), 0), 2)
        as double) as montant_total
from {{ ref('fct_contracts') }} as contracts
left join {{ ref('dim_buyer') }} as buyers using (buyer_siret)
left join {{ ref('dim_geography') }} as geography on geography.commune_code = buyers.commune_code
left join {{ ref('dim_cpv') }} as divisions
    on divisions.cpv_level = 2 and divisions.division_code = left(contracts.cpv_code, 2)
where contracts.is_notification_date_valid
group by all
