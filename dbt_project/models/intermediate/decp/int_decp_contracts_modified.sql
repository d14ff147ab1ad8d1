-- Retained contract records with their modifications applied: the current montant and duration are
-- those of the latest modification that sets them (macros/decp_checks.sql modification_order: by modification
-- date, then published position; undated modifications before every dated one, by position); the current
-- holders are those of the latest modification that lists identified holders (holders_identified), else the
-- initial ones: a list of entries without identifier changes nothing.
-- Incremental (macros/incremental.sql): a contract changes only when a newly loaded record becomes its
-- retained record (modifications are published inside records), so a refresh computes those contracts,
-- reading the modifications of the new records' files only.
{{ config(materialized='incremental', unique_key='contract_key', incremental_strategy='delete+insert') }}
{%- if is_incremental() %}
    {%- set built = last_built_load_id('load_id') %}
    {%- set new_files_sql -%}
        select distinct source_sha256 from {{ ref('int_decp_records_ranked') }}
        where record_fate = 'retained' and {{ load_order('load_id') }} > {{ built }}
    {%- endset %}
    {%- set new_files = run_query(new_files_sql).columns[0].values() if execute else [] %}
{%- endif %}

with retained as (

    select * from {{ ref('int_decp_records_ranked') }}
    where record_fate = 'retained'
    {% if is_incremental() %}and {{ load_order('load_id') }} > {{ built }}{% endif %}

),

modifications as (

    select *
    from {{ ref('int_decp_modifications_unioned') }}
    where is_well_formed
    {%- if is_incremental() %}
        and source_sha256 in (
            {%- for sha256 in new_files %}'{{ sha256 }}'{% if not loop.last %}, {% endif %}{% endfor -%}
            {%- if not new_files %}null{% endif -%}
        )
    {%- endif %}

),

latest_values as (

    select
        record_key,
        count(*) as modification_count,
        arg_max(modifications.amount_eur, {{ modification_order('modification_date', 'modification_position') }})
            filter (where modifications.amount_eur is not null) as modified_amount_eur,
        arg_max(modifications.duration_months, {{ modification_order('modification_date', 'modification_position') }})
            filter (where modifications.duration_months is not null) as modified_duration_months,
        arg_max(modifications.modification_position,
            {{ modification_order('modification_date', 'modification_position') }})
            filter (where {{ holders_identified('holders_json') }}) as holders_modification_position,
        max(modification_date) as last_modification_date,
        count(*) filter (
            where {{ modification_date_issue(
                'modification_date', 'retained.notification_date', 'retained.load_id'
            ) }} is not null
        ) as modification_date_issue_count
    from modifications
    inner join retained using (record_key)
    group by record_key

)

select
    retained.*,
    coalesce(latest_values.modification_count, 0) as modification_count,
    coalesce(latest_values.modified_amount_eur, retained.amount_eur) as current_amount_eur,
    coalesce(latest_values.modified_duration_months, retained.duration_months) as current_duration_months,
    latest_values.holders_modification_position,
    latest_values.last_modification_date,
    coalesce(latest_values.modification_date_issue_count, 0) as modification_date_issue_count
from retained
left join latest_values using (record_key)
