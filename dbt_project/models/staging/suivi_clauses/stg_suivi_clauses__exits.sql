-- One row per exit (sortie) of a participant, with the situation at exit and six months later.
-- Incremental on its key (macros/tracking_rows.sql): a refresh recomputes the keys its new raw rows carry.
{{ config(
    materialized='incremental',
    unique_key='exit_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'sorties', [
        'participant_pseudonym', 'date_sortie', 'situation_sortie', 'situation_6_mois',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

),

-- one row per raw row
published as (

    select
        md5(participant_pseudonym || '|' || cast(cast(date_sortie as date) as varchar)) as exit_key,
        participant_pseudonym as participant_key,
        source_name,
        cast(date_sortie as date) as exit_date,
        upper(trim(situation_sortie)) as exit_situation_code,
        nullif(upper(trim(situation_6_mois)), '') as six_month_situation_code,
        source_file,
        cast(line_number as bigint) as line_number,
        _dlt_load_id as load_id
    from source

)

select *, {{ replaced_tracking_rows('exit_key') }} as replaced_rows
from published
{{ where_tracking_key_touched('published', 'exit_key') }}
{{ keep_latest_tracking_row('exit_key') }}
