-- SIRENE établissements of the referenced SIRETs, typed. `[ND]` values already null (see non_diffusible_columns).
with source as (
    select * from {{ source_or_empty('raw_registries', 'sirene_etablissements', [
        'row_index', 'siren', 'nic', 'siret', 'statut_diffusion_etablissement', 'date_creation_etablissement',
        'tranche_effectifs_etablissement', 'annee_effectifs_etablissement', 'etablissement_siege',
        'code_postal_etablissement', 'libelle_commune_etablissement', 'code_commune_etablissement',
        'code_pays_etranger_etablissement', 'date_debut', 'etat_administratif_etablissement',
        'enseigne1_etablissement', 'denomination_usuelle_etablissement', 'activite_principale_etablissement',
        'nomenclature_activite_principale_etablissement', 'caractere_employeur_etablissement',
        'non_diffusible_columns', 'source_file', 'source_sha256', '_dlt_load_id']) }}
),

renamed as (
    select
        siret,
        siren,
        nic,
        statut_diffusion_etablissement as diffusion_status,
        statut_diffusion_etablissement <> 'O' or non_diffusible_columns is not null as is_partially_diffusible,
        non_diffusible_columns,
        try_cast(date_creation_etablissement as date) as created_on,
        tranche_effectifs_etablissement as size_band_code,
        try_cast(annee_effectifs_etablissement as integer) as size_band_year,
        try_cast(etablissement_siege as boolean) as is_head_office,
        code_postal_etablissement as postal_code,
        libelle_commune_etablissement as commune_name,
        code_commune_etablissement as commune_code,
        code_pays_etranger_etablissement as foreign_country_code,
        etat_administratif_etablissement as administrative_status,
        try_cast(date_debut as date) as status_since,
        enseigne1_etablissement as sign_name,
        denomination_usuelle_etablissement as usual_name,
        activite_principale_etablissement as naf_code,
        nomenclature_activite_principale_etablissement as activity_nomenclature,
        caractere_employeur_etablissement = 'O' as is_employer,
        source_file,
        source_sha256,
        cast(row_index as bigint) as row_index,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
