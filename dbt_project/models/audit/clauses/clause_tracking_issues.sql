-- Rows of the tracking exports that were loaded (they passed the field checks) but cannot be used as
-- published once files are put together, one row per problem, with the reason in French. Nothing is lost:
-- rows refused at load time are in raw_suivi_clauses.tracking_rejects; rows replaced by a later publication of
-- the same key ("doublon") stay in raw_suivi_clauses; the other rows listed here stay in staging, and in the
-- facts with the reference they lack left unresolved, except hours of a contract the source never describes.
with hours as (

    select * from {{ ref('stg_suivi_clauses__monthly_hours') }}

),

employment_contracts as (

    select * from {{ ref('stg_suivi_clauses__employment_contracts') }}

),

-- the contract × month keys published more than once: one aggregate over every hour row, so that the window
-- below sorts only the few rows of those keys
duplicated_hour_keys as (

    select employment_contract_key, month_date
    from hours
    group by employment_contract_key, month_date
    having count(*) > 1

),

duplicated_hours as (

    select
        'heures' as table_name, source_name, source_file, line_number,
        'doublon contrat × mois: la ligne ' || last_line || ' de ' || last_file || ' la remplace' as issue
    from (
        select
            *,
            first_value(line_number) over latest as last_line,
            first_value(source_file) over latest as last_file,
            row_number() over latest as position
        from hours
        semi join duplicated_hour_keys as duplicated
            on duplicated.employment_contract_key is not distinct from hours.employment_contract_key
            and duplicated.month_date is not distinct from hours.month_date
        window latest as (partition by employment_contract_key, month_date order by {{ latest_tracking_row_first() }})
    )
    where position > 1

),

orphan_hours as (

    select
        'heures', hours.source_name, hours.source_file, hours.line_number,
        'contrat ' || hours.source_employment_contract_id || ' inconnu de la source: heures non attribuées'
    from hours
    anti join employment_contracts using (employment_contract_key)

),

hours_outside_contract as (

    select
        'heures', hours.source_name, hours.source_file, hours.line_number,
        'heures déclarées hors des dates du contrat (' || strftime(hours.month_date, '%m/%Y') || ')'
    from hours
    inner join employment_contracts using (employment_contract_key)
    where hours.month_date < date_trunc('month', employment_contracts.start_date)
        or hours.month_date > date_trunc('month', coalesce(employment_contracts.end_date, date '9999-12-31'))

),

orphan_contracts as (

    select
        'contrats_travail', employment_contracts.source_name, employment_contracts.source_file,
        employment_contracts.line_number, 'participant inconnu de la source'
    from employment_contracts
    anti join {{ ref('stg_suivi_clauses__participants') }} using (participant_key)

),

replaced_rows as (

    select
        published.table_name, published.source_name, replaced.row.source_file, replaced.row.line_number,
        'doublon: la ligne ' || published.line_number || ' de ' || published.source_file || ' la remplace'
    from (
        select 'operations' as table_name, source_name, source_file, line_number, replaced_rows
        from {{ ref('stg_suivi_clauses__operations') }}
        union all
        select 'marches', source_name, source_file, line_number, replaced_rows
        from {{ ref('stg_suivi_clauses__tracked_contracts') }}
        union all
        select 'participants', source_name, source_file, line_number, replaced_rows
        from {{ ref('stg_suivi_clauses__participants') }}
        union all
        select 'contrats_travail', source_name, source_file, line_number, replaced_rows
        from {{ ref('stg_suivi_clauses__employment_contracts') }}
        union all
        select 'sorties', source_name, source_file, line_number, replaced_rows
        from {{ ref('stg_suivi_clauses__exits') }}
        union all
        select 'engagements_moa', source_name, source_file, line_number, replaced_rows
        from {{ ref('stg_suivi_clauses__commitments') }}
    ) as published, unnest(published.replaced_rows) as replaced(row)

),

tracked_contracts_without_operation as (

    select
        'marches', tracked.source_name, tracked.source_file, tracked.line_number, 'opération inconnue de la source'
    from {{ ref('stg_suivi_clauses__tracked_contracts') }} as tracked
    anti join {{ ref('stg_suivi_clauses__operations') }} using (operation_key)
    where tracked.operation_key is not null

),

orphan_exits as (

    select 'sorties', exits.source_name, exits.source_file, exits.line_number, 'participant inconnu de la source'
    from {{ ref('stg_suivi_clauses__exits') }} as exits
    anti join {{ ref('stg_suivi_clauses__participants') }} using (participant_key)

),

contracts_without_tracked_contract as (

    select
        'contrats_travail', employment_contracts.source_name, employment_contracts.source_file,
        employment_contracts.line_number, 'marché inconnu de la source'
    from employment_contracts
    anti join {{ ref('stg_suivi_clauses__tracked_contracts') }} using (tracked_contract_key)

),

values_kept_with_issue as (

    select
        table_name, source_name, source_file, line_number,
        coalesce(column_name || ' : ', '') || reason
            || coalesce(' (« ' || published_value || ' »)', '')
    from {{ ref('stg_suivi_clauses__value_issues') }}

)

select table_name, source_name, source_file, cast(line_number as bigint) as line_number, issue
from (
    select * from duplicated_hours
    union all
    select * from orphan_hours
    union all
    select * from hours_outside_contract
    union all
    select * from orphan_contracts
    union all
    select * from contracts_without_tracked_contract
    union all
    select * from replaced_rows
    union all
    select * from tracked_contracts_without_operation
    union all
    select * from orphan_exits
    union all
    select * from values_kept_with_issue
) as issues
