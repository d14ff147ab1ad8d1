{#- The open-data set sorties_par_territoire before statistical secrecy: exits from the scheme by year of exit,
    territory of residence (region, departement, ept and hidden pieces of territoires_publication) and outcome
    (`ensemble` and each outcome_category of fct_beneficiary_outcomes). Complete grid: every year with an exit ×
    territory × outcome, 0 when there is none. -#}
with territories as (

    select * from {{ ref('territoires_publication') }} where niveau_territoire <> 'commune'

),

issues as (

    select 'ensemble' as issue, 'Ensemble des sorties' as libelle_issue
    union all
    select * from {{ outcome_category_labels() }}

),

cells as (

    select
        outcomes.exit_year as annee,
        territories.niveau_territoire,
        territories.code_territoire,
        exit_issues.issue,
        count(*) as sorties
    from {{ ref('fct_beneficiary_outcomes') }} as outcomes
    inner join {{ ref('dim_beneficiary') }} as beneficiaries using (beneficiary_key)
    inner join territories on territories.code_commune = beneficiaries.residence_commune_code
    cross join unnest(['ensemble', outcomes.outcome_category]) as exit_issues (issue)
    where outcomes.exit_year is not null
    group by all

),

grid as (

    select years.annee, places.niveau_territoire, places.code_territoire, places.nom_territoire,
        issues.issue, issues.libelle_issue
    from (select distinct annee from cells) as years
    cross join (select distinct niveau_territoire, code_territoire, nom_territoire from territories) as places
    cross join issues

)

select
    cast(grid.annee as integer) as annee,
    grid.niveau_territoire,
    grid.code_territoire,
    grid.nom_territoire,
    grid.issue,
    grid.libelle_issue,
    cast(coalesce(cells.sorties, 0) as integer) as sorties
from grid
left join cells using (annee, niveau_territoire, code_territoire, issue)
