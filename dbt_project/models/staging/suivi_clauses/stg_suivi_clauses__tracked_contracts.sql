-- One row per public contract or lot with a clause followed by a tracking source (table `marches`).
-- Incremental on its key (macros/tracking_rows.sql): a refresh recomputes the keys its new raw rows carry.
{{ config(
    materialized='incremental',
    unique_key='tracked_contract_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    select * from {{ source_or_empty('raw_suivi_clauses', 'marches', [
        'id_marche', 'id_operation', 'acheteur_siret', 'id_decp', 'objet', 'code_cpv', 'montant_ht',
        'date_notification', 'base_juridique', 'heures_prevues', 'lot',
        'source_name', 'source_file', 'source_sha256', 'line_number', '_dlt_load_id'
    ]) }}

),

-- one row per raw row
published as (

    select
        md5(source_name || '|' || trim(id_marche)) as tracked_contract_key,
        source_name,
        trim(id_marche) as source_contract_id,
        case when nullif(trim(id_operation), '') is not null
            then md5(source_name || '|' || trim(id_operation)) end as operation_key,
        {{ clean_siret('acheteur_siret') }} as buyer_siret,
        nullif(trim(id_decp), '') as decp_contract_id,
        nullif(trim(objet), '') as contract_object,
        {{ cpv_eight_digits('code_cpv') }} as cpv_code,
        cast(montant_ht as double) as amount_eur,
        cast(date_notification as date) as notification_date,
        upper(trim(base_juridique)) as legal_basis_code,
        cast(heures_prevues as double) as planned_hours,
        nullif(trim(lot), '') as lot,
        source_file,
        cast(line_number as bigint) as line_number,
        _dlt_load_id as load_id
    from source

)

select *, {{ replaced_tracking_rows('tracked_contract_key') }} as replaced_rows
from published
{{ where_tracking_key_touched('published', 'tracked_contract_key') }}
{{ keep_latest_tracking_row('tracked_contract_key') }}
