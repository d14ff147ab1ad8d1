{#- In every year and territory of parcours_beneficiaires, each node is the sum of the flows that leave it and of
    those that reach it, and the total the sum of each column of nodes: what the Sankey draws and what statistical
    secrecy relies on. Returns the rows that do not add up. -#}
with cells as (

    select
        annee, niveau_territoire, code_territoire, public_entree, famille_contrat, issue_six_mois, beneficiaires,
        (public_entree <> 'ensemble')::int + (famille_contrat <> 'ensemble')::int
            + (issue_six_mois <> 'ensemble')::int as dimensions
    from {{ ref('parcours_beneficiaires') }}

),

sums as (

    -- each cell of d dimensions, summed over every one of its dimensions in turn, gives a cell of d - 1 dimensions
    select annee, niveau_territoire, code_territoire, 'ensemble' as public_entree, famille_contrat, issue_six_mois,
        'public_entree' as summed_over, sum(beneficiaires) as beneficiaires
    from cells where public_entree <> 'ensemble' group by all
    union all
    select annee, niveau_territoire, code_territoire, public_entree, 'ensemble', issue_six_mois,
        'famille_contrat', sum(beneficiaires)
    from cells where famille_contrat <> 'ensemble' and (dimensions = 1 or issue_six_mois = 'ensemble') group by all
    union all
    select annee, niveau_territoire, code_territoire, 'ensemble', 'ensemble', issue_six_mois,
        'famille_contrat', sum(beneficiaires)
    from cells where famille_contrat <> 'ensemble' and issue_six_mois <> 'ensemble' group by all
    union all
    select annee, niveau_territoire, code_territoire, public_entree, famille_contrat, 'ensemble',
        'issue_six_mois', sum(beneficiaires)
    from cells where issue_six_mois <> 'ensemble' group by all

)

select sums.*, cells.beneficiaires as published
from sums
left join cells using (annee, niveau_territoire, code_territoire, public_entree, famille_contrat, issue_six_mois)
where cells.beneficiaires is distinct from sums.beneficiaires
