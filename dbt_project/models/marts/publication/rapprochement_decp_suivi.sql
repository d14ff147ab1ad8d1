{#- The open-data set rapprochement_decp_suivi: contracts of the buyers with at least one tracked contract, by year
    of notification and reconciliation status of social_clause_reconciliation (kept in `statut_rapprochement`), with
    the published category and its French label. No count of people: published as it is. -#}
with categories as (

    select * from (
        values
            ('declared_and_tracked', 'declare_et_suivi', 'Déclaré dans les DECP et suivi'),
            ('declared_not_tracked', 'declare_non_suivi', 'Déclaré dans les DECP, non suivi'),
            ('tracked_not_declared', 'suivi_non_declare', 'Suivi, déclaré sans considération sociale dans les DECP'),
            ('tracked_declaration_unknown', 'suivi_declaration_inconnue',
             'Suivi, déclaration DECP inconnue (format 2019)'),
            ('tracked_not_in_decp', 'suivi_absent_decp', 'Suivi, absent des DECP')
    ) as categories (statut_rapprochement, categorie, libelle_categorie)

),

counts as (

    select notification_year as annee, reconciliation_status as statut_rapprochement, count(*) as marches
    from {{ ref('social_clause_reconciliation') }}
    where is_buyer_tracked and notification_year between 1990 and year(current_date)
    group by all

)

select
    cast(counts.annee as integer) as annee,
    counts.statut_rapprochement,
    categories.categorie,
    categories.libelle_categorie,
    cast(counts.marches as integer) as marches
from counts
left join categories using (statut_rapprochement)
