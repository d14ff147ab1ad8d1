{#- The open-data set heures_prevues_realisees before statistical secrecy, by year and territory of the operation
    (every level of territoires_publication, hidden pieces included): operations active in the year (a tracked
    contract notified, or hours worked), hours planned by the contracts notified in the year, hours worked in the
    year and the distinct people who worked them. Complete grid: every year with planned or worked hours ×
    territory, 0 when nothing happened there. Contracts and hours of operations with no known place are in no
    territory. -#}
with operations as (

    select operation_key, commune_code from {{ ref('dim_operation') }}

),

territories as (

    select * from {{ ref('territoires_publication') }}

),

worked as (

    select
        annee,
        niveau_territoire,
        code_territoire,
        sum(hours) as heures_realisees,
        count(distinct beneficiary_key) as beneficiaires
    from {{ ref('worked_hours_by_operation_place') }}
    group by annee, niveau_territoire, code_territoire

),

activity as (

    select notification_year as annee, operation_key, hours_planned as heures_prevues
    from {{ ref('fct_tracked_contracts') }}
    where operation_key is not null
    union all
    select distinct year, operation_key, 0
    from {{ ref('fct_insertion_hours') }}
    where operation_key is not null and hours > 0

),

planned as (

    select
        activity.annee,
        territories.niveau_territoire,
        territories.code_territoire,
        count(distinct activity.operation_key) as operations,
        sum(activity.heures_prevues) as heures_prevues
    from activity
    inner join operations using (operation_key)
    inner join territories on territories.code_commune = operations.commune_code
    where activity.annee is not null
    group by all

),

grid as (

    select years.annee, places.niveau_territoire, places.code_territoire, places.nom_territoire
    from (select annee from worked union select annee from planned) as years
    cross join (select distinct niveau_territoire, code_territoire, nom_territoire from territories) as places

)

select
    cast(grid.annee as integer) as annee,
    grid.niveau_territoire,
    grid.code_territoire,
    grid.nom_territoire,
    cast(coalesce(planned.operations, 0) as integer) as operations,
    cast(coalesce(planned.heures_prevues, 0) as double) as heures_prevues,
    cast(coalesce(worked.heures_realisees, 0) as double) as heures_realisees,
    cast(coalesce(worked.beneficiaires, 0) as integer) as beneficiaires
from grid
left join worked using (annee, niveau_territoire, code_territoire)
left join planned using (annee, niveau_territoire, code_territoire)
