-- One row per employment contract (contrat de travail) of a participant on a tracked contract.
-- Incremental on its key (macros/tracking_rows.sql): a refresh recomputes the keys its new raw rows carry.
{{ config(
    materialized='incremental',
    unique_key='employment_contract_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'contrats_travail', [
        'id_contrat', 'participant_pseudonym', 'id_marche', 'employeur_siret', 'type_contrat', 'modalite',
        'date_debut', 'date_fin',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

),

-- one row per raw row
published as (

    select
        md5(source_name || '|' || trim(id_contrat)) as employment_contract_key,
        source_name,
        trim(id_contrat) as source_employment_contract_id,
        participant_pseudonym as participant_key,
        md5(source_name || '|' || trim(id_marche)) as tracked_contract_key,
        {{ clean_siret('employeur_siret') }} as employer_siret,
        upper(trim(type_contrat)) as contract_type_code,
        upper(trim(modalite)) as modality_code,
        cast(date_debut as date) as start_date,
        cast(date_fin as date) as end_date,
        source_file,
        cast(line_number as bigint) as line_number,
        _dlt_load_id as load_id
    from source

)

select
    *,
    {{ replaced_tracking_rows('employment_contract_key') }} as replaced_rows,
    -- every participant this contract was published for (macros/tracking_changes.sql)
    list_sort(list_distinct(list(participant_key) over (partition by employment_contract_key)))
        as published_participant_keys
from published
{{ where_tracking_key_touched('published', 'employment_contract_key') }}
{{ keep_latest_tracking_row('employment_contract_key') }}
