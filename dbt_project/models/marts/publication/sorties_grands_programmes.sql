{#- The open-data set sorties_grands_programmes before statistical secrecy: exits from the scheme by programme,
    year of exit and outcome (`ensemble` and each outcome_category of fct_beneficiary_outcomes). An exit counts in
    every programme (programme of the operation, AUTRE for other operations and hours with no operation, as in
    grands_programmes) on which its beneficiary worked hours up to the month of the exit; an exit with no such
    hours counts in none. Complete grid: every programme × year with an exit × outcome, 0 when there is none. -#}
with operations as (

    select operation_key, programme_code from {{ ref('dim_operation') }}

),

issues as (

    select 'ensemble' as issue, 'Ensemble des sorties' as libelle_issue
    union all
    select * from {{ outcome_category_labels() }}

),

exit_programmes as (

    select distinct
        outcomes.exit_key,
        outcomes.exit_year,
        outcomes.outcome_category,
        coalesce(operations.programme_code, 'AUTRE') as programme
    from {{ ref('fct_beneficiary_outcomes') }} as outcomes
    inner join {{ ref('fct_insertion_hours') }} as insertion_hours
        on insertion_hours.beneficiary_key = outcomes.beneficiary_key
        and insertion_hours.hours > 0
        and insertion_hours.month_date <= outcomes.exit_date
    left join operations on operations.operation_key = insertion_hours.operation_key
    where outcomes.exit_year is not null

),

cells as (

    select exit_programmes.programme, exit_programmes.exit_year as annee, exit_issues.issue, count(*) as sorties
    from exit_programmes
    cross join unnest(['ensemble', exit_programmes.outcome_category]) as exit_issues (issue)
    group by all

),

grid as (

    select programmes.code as programme, programmes.libelle as libelle_programme, years.annee,
        issues.issue, issues.libelle_issue
    from {{ ref('clauses_programmes') }} as programmes
    cross join (select distinct annee from cells) as years
    cross join issues

)

select
    grid.programme,
    grid.libelle_programme,
    cast(grid.annee as integer) as annee,
    grid.issue,
    grid.libelle_issue,
    cast(coalesce(cells.sorties, 0) as integer) as sorties
from grid
left join cells using (programme, annee, issue)
