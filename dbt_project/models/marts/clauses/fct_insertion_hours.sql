{#- Monthly insertion hours: one row per beneficiary × employment contract × month (an employment contract
    belongs to one beneficiary, so the key is the employment contract and the month). Incremental on
    `insertion_hours_key`: a refresh copies the rows int_insertion_hours_attributed recomputed since this
    table's last build (macros/incremental.sql); `dbt build --full-refresh` rebuilds it whole. -#}
{{ config(
    materialized='incremental',
    unique_key='insertion_hours_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with hours as (

    select * from {{ ref('int_insertion_hours_attributed') }}
    {% if is_incremental() %}
    where refreshed_load_id > {{ last_built_load_id('refreshed_load_id') }}
    {% endif %}

)

select
    insertion_hours_key,
    beneficiary_key,
    employment_contract_key,
    tracked_contract_key,
    operation_key,
    source_name,
    month_date,
    year,
    hours,
    source_file,
    line_number,
    refreshed_load_id
from hours
