-- One row per row of a consolidated tabular DECP file (decp.info: one row per marché × titulaire).
with source as (

    select * from {{ source_or_empty('raw_decp', 'decp_tabular_rows', [
        'uid', 'id', 'type', 'code_cpv', 'acheteur_id', 'acheteur_nom', 'titulaire_id', 'titulaire_nom', 'montant',
        'date_notification', 'procedure', 'duree_mois', 'offres_recues', 'acheteur_departement_code',
        'titulaire_departement_code', 'acheteur_region_code', 'titulaire_region_code', 'source_file',
        'source_sha256', 'row_index', '_dlt_load_id'
    ]) }}

)

select
    source_file,
    source_sha256,
    row_index,
    _dlt_load_id as load_id,
    nullif(trim(id), '') as contract_id,
    {{ clean_siret('acheteur_id') }} as buyer_id,
    nullif(trim(acheteur_nom), '') as buyer_name_published,
    {{ clean_siret('titulaire_id') }} as holder_id,
    nullif(trim(titulaire_nom), '') as holder_name_published,
    nullif(trim(type), '') as contract_type_published,
    nullif(regexp_extract(trim(code_cpv), '^([0-9]{8})', 1), '') as cpv_code,
    code_cpv as cpv_published,
    {{ canonical_enum('procedure', 'procedure') }} as procedure,
    cast(round({{ decp_number('duree_mois') }}) as integer) as duration_months,
    duree_mois as duration_published,
    {{ decp_date('date_notification') }} as notification_date,
    date_notification as notification_date_published,
    {{ decp_number('montant') }} as amount_eur,
    montant as amount_published,
    nullif(trim(acheteur_departement_code), '') as buyer_departement_code,
    nullif(trim(titulaire_departement_code), '') as holder_departement_code
from source
