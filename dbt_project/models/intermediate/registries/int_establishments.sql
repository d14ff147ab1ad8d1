-- One row per SIRET found in SIRENE: établissement joined with its unité légale, official name, activity (NAF),
-- size band, legal category and whether it is active.
with establishments as (

    select * from {{ ref('stg_registries__sirene_establishments') }}
    qualify row_number() over (partition by siret order by row_index desc) = 1

),

legal_units as (

    select * from {{ ref('stg_registries__sirene_legal_units') }}
    qualify row_number() over (partition by siren order by row_index desc) = 1

),

naf as (

    select naf_code, label_fr from {{ ref('stg_reference__naf_codes') }}

),

joined as (

    select
        establishments.siret,
        establishments.siren,
        -- Companies: the legal name. Entrepreneurs individuels have none and their personal name is not
        -- loaded: the establishment's usual name or sign when it has one, else null.
        coalesce(legal_units.legal_name, legal_units.usual_name, establishments.usual_name, establishments.sign_name)
            as official_name,
        case
            when legal_units.legal_name is not null then 'denomination_unite_legale'
            when legal_units.usual_name is not null then 'denomination_usuelle_unite_legale'
            when establishments.usual_name is not null then 'denomination_usuelle_etablissement'
            when establishments.sign_name is not null then 'enseigne_etablissement'
        end as official_name_source,
        establishments.usual_name as establishment_usual_name,
        establishments.sign_name as establishment_sign_name,
        legal_units.acronym,
        coalesce(establishments.naf_code, legal_units.naf_code) as naf_code,
        legal_units.naf_code as legal_unit_naf_code,
        establishments.size_band_code,
        establishments.size_band_year,
        legal_units.size_band_code as legal_unit_size_band_code,
        legal_units.company_category,
        legal_units.legal_category_code,
        establishments.commune_code,
        establishments.commune_name,
        establishments.postal_code,
        establishments.is_head_office,
        establishments.created_on,
        establishments.administrative_status,
        legal_units.administrative_status as legal_unit_administrative_status,
        establishments.status_since,
        legal_units.is_social_economy,
        establishments.is_partially_diffusible or coalesce(legal_units.is_partially_diffusible, false)
            as is_partially_diffusible,
        legal_units.siren is not null as has_legal_unit
    from establishments
    left join legal_units on legal_units.siren = establishments.siren

)

select
    joined.siret,
    joined.siren,
    joined.official_name,
    joined.official_name_source,
    joined.establishment_usual_name,
    joined.establishment_sign_name,
    joined.acronym,
    joined.naf_code,
    naf.label_fr as naf_label,
    joined.legal_unit_naf_code,
    joined.size_band_code,
    case joined.size_band_code
        when 'NN' then 'Unité non employeuse'
        when '00' then '0 salarié'
        when '01' then '1 ou 2 salariés'
        when '02' then '3 à 5 salariés'
        when '03' then '6 à 9 salariés'
        when '11' then '10 à 19 salariés'
        when '12' then '20 à 49 salariés'
        when '21' then '50 à 99 salariés'
        when '22' then '100 à 199 salariés'
        when '31' then '200 à 249 salariés'
        when '32' then '250 à 499 salariés'
        when '41' then '500 à 999 salariés'
        when '42' then '1 000 à 1 999 salariés'
        when '51' then '2 000 à 4 999 salariés'
        when '52' then '5 000 à 9 999 salariés'
        when '53' then '10 000 salariés et plus'
    end as size_band_label,
    joined.size_band_year,
    joined.legal_unit_size_band_code,
    joined.company_category,
    joined.legal_category_code,
    left(joined.legal_category_code, 1) as legal_category_level1_code,
    case left(joined.legal_category_code, 1)
        when '1' then 'Entrepreneur individuel'
        when '2' then 'Groupement de droit privé non doté de la personnalité morale'
        when '3' then 'Personne morale de droit étranger'
        when '4' then 'Personne morale de droit public soumise au droit commercial'
        when '5' then 'Société commerciale'
        when '6' then 'Autre personne morale immatriculée au RCS'
        when '7' then 'Personne morale et organisme soumis au droit administratif'
        when '8' then 'Organisme privé spécialisé'
        when '9' then 'Groupement de droit privé'
    end as legal_category_level1_label,
    joined.commune_code,
    joined.commune_name,
    joined.postal_code,
    case when joined.commune_code like '97%' then left(joined.commune_code, 3) else left(joined.commune_code, 2) end
        as departement_code,
    joined.is_head_office,
    joined.created_on,
    joined.administrative_status = 'A' and coalesce(joined.legal_unit_administrative_status, 'A') = 'A' as is_active,
    case when joined.administrative_status = 'F' then joined.status_since end as closed_on,
    joined.is_social_economy,
    joined.is_partially_diffusible,
    joined.has_legal_unit
from joined
left join naf on naf.naf_code = joined.naf_code
