-- One row per row of a consolidated tabular DECP file, in the decp.info shape (one row per marché × titulaire):
-- decp.info files as published, the Ministry's "DECP valides" export (layout decp_valides_2019/2022) with one row
-- per holder of each published row (dlt_sources/decp/tabular.py), its flattened modification beside it.
-- A table: four models read it (as a view, each of them cleaned the 2.9 M national rows again, a refresh's new
-- rows included, since the filter on the load could not pass the cleaning). Incremental (macros/incremental.sql):
-- a row never changes once loaded, so a refresh adds the rows of the loads since the last build.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
with source as (

    select * from {{ source_or_empty('raw_decp', 'decp_tabular_rows', [
        'uid', 'id', 'type', 'code_cpv', 'acheteur_id', 'acheteur_nom', 'titulaire_id', 'titulaire_nom', 'montant',
        'date_notification', 'procedure', 'duree_mois', 'offres_recues', 'acheteur_departement_code',
        'titulaire_departement_code', 'acheteur_region_code', 'titulaire_region_code', 'source_file',
        'source_sha256', 'row_index', '_dlt_load_id', 'layout', 'titulaire_position', 'titulaire_type_identifiant',
        'date_publication_donnees', 'objet', 'nature', 'id_modification', 'objet_modification',
        'duree_mois_modification', 'montant_modification', 'date_notification_modification',
        'date_publication_donnees_modification', 'titulaires_modification'
    ]) }}
    {% if is_incremental() %}where {{ load_order('_dlt_load_id') }} > {{ last_built_load_id('load_id') }}{% endif %}

)

select
    source_file,
    source_sha256,
    row_index,
    _dlt_load_id as load_id,
    coalesce(layout, 'decp_info') as layout,
    nullif(trim(id), '') as contract_id,
    {{ clean_siret('acheteur_id') }} as buyer_id,
    nullif(trim(acheteur_nom), '') as buyer_name_published,
    {{ clean_siret('titulaire_id') }} as holder_id,
    nullif(trim(titulaire_nom), '') as holder_name_published,
    upper(nullif(trim(titulaire_type_identifiant), '')) as holder_id_type,
    try_cast(titulaire_position as integer) as holder_position_published,
    nullif(trim(type), '') as contract_type_published,
    code_cpv as cpv_published,
    {{ canonical_enum('procedure', 'procedure') }} as procedure,
    {{ canonical_enum('nature', 'nature') }} as nature,
    nullif(trim(objet), '') as contract_object,
    cast(round({{ decp_number('duree_mois') }}) as integer) as duration_months,
    duree_mois as duration_published,
    {{ decp_date('date_notification') }} as notification_date,
    date_notification as notification_date_published,
    {{ decp_date('date_publication_donnees') }} as publication_date,
    date_publication_donnees as publication_date_published,
    {{ decp_number('montant') }} as amount_eur,
    montant as amount_published,
    nullif(trim(acheteur_departement_code), '') as buyer_departement_code,
    nullif(trim(titulaire_departement_code), '') as holder_departement_code,
    -- the flattened modification of a "DECP valides" row (NULL for decp.info files)
    coalesce(
        nullif(trim(id_modification), '') is not null or nullif(trim(montant_modification), '') is not null
        or nullif(trim(duree_mois_modification), '') is not null
        or nullif(trim(date_notification_modification), '') is not null,
        false
    ) as has_modification,
    nullif(trim(id_modification), '') as modification_id,
    nullif(trim(objet_modification), '') as modification_object,
    {{ decp_date('date_notification_modification') }} as modification_date,
    {{ decp_date('date_publication_donnees_modification') }} as modification_publication_date,
    {{ decp_number('montant_modification') }} as modification_amount_eur,
    cast(round({{ decp_number('duree_mois_modification') }}) as integer) as modification_duration_months,
    nullif(trim(titulaires_modification), '') as modification_holders_published
from source
