{#- The open-data set heures_par_territoire_mois before statistical secrecy: insertion hours worked and distinct
    people working them, by month and territory of the operation (region, departement, ept and hidden pieces of
    territoires_publication). Complete grid: every year with hours × 12 months × territory, 0 when nothing was
    worked there. Hours of operations with no known place are in no territory. -#}
with territories as (

    select * from {{ ref('territoires_publication') }} where niveau_territoire <> 'commune'

),

cells as (

    select
        annee,
        mois,
        niveau_territoire,
        code_territoire,
        sum(hours) as heures_realisees,
        count(distinct beneficiary_key) as beneficiaires
    from {{ ref('worked_hours_by_operation_place') }}
    where niveau_territoire <> 'commune'
    group by annee, mois, niveau_territoire, code_territoire

),

grid as (

    select years.annee, months.mois, places.niveau_territoire, places.code_territoire, places.nom_territoire
    from (select distinct annee from cells) as years
    cross join range(1, 13) as months (mois)
    cross join (select distinct niveau_territoire, code_territoire, nom_territoire from territories) as places

)

select
    cast(grid.annee as integer) as annee,
    cast(grid.mois as integer) as mois,
    grid.niveau_territoire,
    grid.code_territoire,
    grid.nom_territoire,
    cast(coalesce(cells.heures_realisees, 0) as double) as heures_realisees,
    cast(coalesce(cells.beneficiaires, 0) as integer) as beneficiaires
from grid
left join cells using (annee, mois, niveau_territoire, code_territoire)
