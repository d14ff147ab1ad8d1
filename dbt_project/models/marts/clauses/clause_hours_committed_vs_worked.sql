{#- Hours committed by maîtres d'ouvrage (engagements_moa) against hours planned on their tracked contracts
    (by notification year) and hours worked (by month worked), per programme × maître d'ouvrage × year.
    The maître d'ouvrage key is its normalised name (see dim_operation); hours on contracts without an
    operation fall under programme AUTRE and maître d'ouvrage `inconnu`. -#}
with operations as (

    select * from {{ ref('dim_operation') }}

),

programmes as (

    select code, libelle from {{ ref('clauses_programmes') }}

),

commitments as (

    select * from {{ ref('stg_suivi_clauses__commitments') }}

),

commitments_classified as (

    select
        coalesce(
            (select programmes.code from programmes
             where upper(programmes.code) = upper(replace(commitments.programme_published, ' ', '_'))
                or {{ enum_key('programmes.libelle') }} = {{ enum_key('commitments.programme_published') }}
             order by programmes.code limit 1),
            'AUTRE'
        ) as programme_code,
        coalesce({{ enum_key('commitments.project_owner_name') }}, 'inconnu') as project_owner_key,
        commitments.project_owner_name,
        commitments.commitment_year as year,
        commitments.committed_hours
    from commitments

),

committed as (

    select
        programme_code,
        project_owner_key,
        year,
        min(project_owner_name) as project_owner_name,
        sum(committed_hours) as hours_committed
    from commitments_classified
    group by programme_code, project_owner_key, year

),

planned as (

    select
        coalesce(operations.programme_code, 'AUTRE') as programme_code,
        coalesce(operations.project_owner_key, 'inconnu') as project_owner_key,
        cast(year(tracked.notification_date) as integer) as year,
        min(operations.project_owner_name) as project_owner_name,
        sum(tracked.planned_hours) as hours_planned
    from {{ ref('stg_suivi_clauses__tracked_contracts') }} as tracked
    left join operations using (operation_key)
    group by all

),

worked as (

    select
        coalesce(operations.programme_code, 'AUTRE') as programme_code,
        coalesce(operations.project_owner_key, 'inconnu') as project_owner_key,
        hours.year,
        min(operations.project_owner_name) as project_owner_name,
        sum(hours.hours) as hours_worked,
        count(distinct hours.beneficiary_key) filter (where hours.hours > 0) as beneficiary_count
    from {{ ref('int_insertion_hours_attributed') }} as hours
    left join operations using (operation_key)
    group by all

),

joined as (

    select
        coalesce(committed.programme_code, planned.programme_code, worked.programme_code) as programme_code,
        coalesce(committed.project_owner_key, planned.project_owner_key, worked.project_owner_key) as project_owner_key,
        coalesce(committed.year, planned.year, worked.year) as year,
        coalesce(committed.project_owner_name, planned.project_owner_name, worked.project_owner_name)
            as project_owner_name,
        committed.hours_committed,
        planned.hours_planned,
        worked.hours_worked,
        worked.beneficiary_count
    from committed
    full outer join planned
        on planned.programme_code = committed.programme_code
        and planned.project_owner_key = committed.project_owner_key
        and planned.year = committed.year
    full outer join worked
        on worked.programme_code = coalesce(committed.programme_code, planned.programme_code)
        and worked.project_owner_key = coalesce(committed.project_owner_key, planned.project_owner_key)
        and worked.year = coalesce(committed.year, planned.year)

)

select
    joined.programme_code,
    programmes.libelle as programme_label,
    joined.project_owner_key,
    joined.project_owner_name,
    cast(joined.year as integer) as year,
    cast(joined.hours_committed as double) as hours_committed,
    cast(joined.hours_planned as double) as hours_planned,
    cast(coalesce(joined.hours_worked, 0) as double) as hours_worked,
    cast(coalesce(joined.beneficiary_count, 0) as integer) as beneficiary_count,
    round(joined.hours_worked / nullif(joined.hours_committed, 0), 4) as worked_to_committed_ratio
from joined
left join programmes on programmes.code = joined.programme_code
where joined.year is not null
