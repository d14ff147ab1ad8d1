{#- The open-data set grands_programmes before statistical secrecy, by programme (programme of the operation of
    the tracked contract, AUTRE for other operations and contracts with no operation) and year: operations active
    in the year, tracked contracts notified and the hours they plan, hours committed by the project owners, hours
    worked and the distinct people who worked them (a person working on several programmes counts in each). -#}
with operations as (

    select operation_key, programme_code from {{ ref('dim_operation') }}

),

worked as (

    select coalesce(operations.programme_code, 'AUTRE') as programme, insertion_hours.year as annee,
        insertion_hours.operation_key, insertion_hours.beneficiary_key, insertion_hours.hours
    from {{ ref('fct_insertion_hours') }} as insertion_hours
    left join operations using (operation_key)
    where insertion_hours.hours > 0

),

planned as (

    select coalesce(operations.programme_code, 'AUTRE') as programme, tracked.notification_year as annee,
        tracked.operation_key, tracked.hours_planned
    from {{ ref('fct_tracked_contracts') }} as tracked
    left join operations using (operation_key)
    where tracked.notification_year is not null

),

activity as (

    select programme, annee, operation_key from worked
    union all
    select programme, annee, operation_key from planned

),

committed as (

    select programme_code as programme, year as annee, sum(hours_committed) as heures_engagees
    from {{ ref('clause_hours_committed_vs_worked') }}
    where hours_committed is not null
    group by all

),

programme_years as (

    select programme, annee from activity
    union
    select programme, annee from committed

),

operation_counts as (

    select programme, annee, count(distinct operation_key) as operations from activity group by all

),

worked_totals as (

    select programme, annee, sum(hours) as heures_realisees, count(distinct beneficiary_key) as beneficiaires
    from worked
    group by all

),

planned_totals as (

    select programme, annee, count(*) as marches, sum(hours_planned) as heures_prevues
    from planned
    group by all

)

select
    programme_years.programme,
    programmes.libelle as libelle_programme,
    cast(programme_years.annee as integer) as annee,
    cast(coalesce(operation_counts.operations, 0) as integer) as operations,
    cast(coalesce(planned_totals.marches, 0) as integer) as marches,
    cast(committed.heures_engagees as double) as heures_engagees,
    cast(coalesce(planned_totals.heures_prevues, 0) as double) as heures_prevues,
    cast(coalesce(worked_totals.heures_realisees, 0) as double) as heures_realisees,
    cast(coalesce(worked_totals.beneficiaires, 0) as integer) as beneficiaires
from programme_years
left join operation_counts using (programme, annee)
left join worked_totals using (programme, annee)
left join planned_totals using (programme, annee)
left join committed using (programme, annee)
left join {{ ref('clauses_programmes') }} as programmes on programmes.code = programme_years.programme
