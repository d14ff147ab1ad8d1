-- SIRENE unités légales of the referenced SIRENs, typed (no personal name of an entrepreneur individuel).
with source as (
    select * from {{ source_or_empty('raw_registries', 'sirene_unites_legales', [
        'row_index', 'siren', 'statut_diffusion_unite_legale', 'date_creation_unite_legale', 'sigle_unite_legale',
        'tranche_effectifs_unite_legale', 'annee_effectifs_unite_legale', 'categorie_entreprise', 'date_debut',
        'etat_administratif_unite_legale', 'denomination_unite_legale', 'denomination_usuelle1_unite_legale',
        'categorie_juridique_unite_legale', 'activite_principale_unite_legale', 'nic_siege_unite_legale',
        'economie_sociale_solidaire_unite_legale', 'caractere_employeur_unite_legale', 'non_diffusible_columns',
        'source_file', 'source_sha256', '_dlt_load_id']) }}
),

renamed as (
    select
        siren,
        statut_diffusion_unite_legale as diffusion_status,
        statut_diffusion_unite_legale <> 'O' or non_diffusible_columns is not null as is_partially_diffusible,
        non_diffusible_columns,
        try_cast(date_creation_unite_legale as date) as created_on,
        denomination_unite_legale as legal_name,
        denomination_usuelle1_unite_legale as usual_name,
        sigle_unite_legale as acronym,
        categorie_juridique_unite_legale as legal_category_code,
        activite_principale_unite_legale as naf_code,
        tranche_effectifs_unite_legale as size_band_code,
        try_cast(annee_effectifs_unite_legale as integer) as size_band_year,
        categorie_entreprise as company_category,
        etat_administratif_unite_legale as administrative_status,
        try_cast(date_debut as date) as status_since,
        nic_siege_unite_legale as head_office_nic,
        economie_sociale_solidaire_unite_legale = 'O' as is_social_economy,
        caractere_employeur_unite_legale = 'O' as is_employer,
        source_file,
        source_sha256,
        cast(row_index as bigint) as row_index,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
