{#- The open-data set beneficiaires_par_territoire before statistical secrecy: beneficiaries of the year (distinct
    people with more than 0 insertion hours in a month of the year: yearly_beneficiaries) and their hours, by year, territory of
    residence (territoires_publication, hidden pieces included) and modality of each dimension. The grid is
    complete: every year × territory × modality seen in the data has a row, 0 when nobody is in it; the commune
    level carries the dimension `ensemble` only. People residing outside Île-de-France or whose residence is
    unknown are in no territory. -#}
with hours as (

    select
        insertion_hours.beneficiary_key,
        insertion_hours.year as annee,
        insertion_hours.hours,
        -- empty when the tracking tool wrote a label its mapping does not know: counted under 'inconnu'
        coalesce(employment_contracts.contract_type_code, 'inconnu') as contract_type_code,
        coalesce(employment_contracts.modality_code, 'inconnu') as modality_code
    from {{ ref('fct_insertion_hours') }} as insertion_hours
    inner join {{ ref('fct_employment_contracts') }} as employment_contracts using (employment_contract_key)
    where insertion_hours.hours > 0

),

beneficiaries as (

    select * from {{ ref('dim_beneficiary') }}

),

territories as (

    select * from {{ ref('territoires_publication') }}

),

age_bands as (

    select * from (
        values
            ('under_26', 'moins de 26 ans'),
            ('26_49', '26 à 49 ans'),
            ('50_and_over', '50 ans et plus'),
            ('unknown', 'âge inconnu')
    ) as age_bands (age_band, libelle)

),

sexes as (

    select * from (values ('F', 'Femmes'), ('M', 'Hommes')) as sexes (sex, libelle)

),

yearly as (

    select * from {{ ref('yearly_beneficiaries') }}

),

attributes as (

    select
        beneficiaries.beneficiary_key,
        unnest([
            {'dimension': 'ensemble', 'modalite': 'total'},
            {'dimension': 'sexe', 'modalite': beneficiaries.sex},
            {'dimension': 'tranche_age', 'modalite': age_bands.libelle},
            {'dimension': 'niveau_diplome',
             'modalite': coalesce(cast(beneficiaries.education_level as varchar), 'inconnu')},
            {'dimension': 'residence_qpv',
             'modalite': case when beneficiaries.is_qpv_resident then 'QPV' else 'hors QPV' end},
            {'dimension': 'prescripteur', 'modalite': beneficiaries.prescriber_code},
            {'dimension': 'sexe_tranche_age', 'modalite': beneficiaries.sex || '|' || age_bands.libelle}
        ]) as attribute
    from beneficiaries
    left join age_bands using (age_band)
    union all
    select beneficiaries.beneficiary_key, {'dimension': 'public', 'modalite': publics.public_code}
    from beneficiaries
    cross join unnest(string_split(beneficiaries.public_codes, '|')) as publics (public_code)
    where publics.public_code <> ''

),

per_person as (

    select yearly.annee, yearly.beneficiary_key, attributes.attribute.dimension, attributes.attribute.modalite,
        yearly.heures
    from yearly
    inner join attributes using (beneficiary_key)
    union all
    select annee, beneficiary_key, 'type_contrat', contract_type_code, sum(hours)
    from hours
    group by annee, beneficiary_key, contract_type_code
    union all
    select annee, beneficiary_key, 'modalite_realisation', modality_code, sum(hours)
    from hours
    group by annee, beneficiary_key, modality_code

),

-- a person resides in one commune: counted per commune of residence, then summed per territory (rather than
-- each person's rows repeated once per territory level)
cells_by_commune as (

    select
        per_person.annee,
        beneficiaries.residence_commune_code as code_commune,
        per_person.dimension,
        per_person.modalite,
        count(*) as beneficiaires,
        sum(per_person.heures) as heures_realisees
    from per_person
    inner join beneficiaries using (beneficiary_key)
    group by all

),

cells as (

    select
        cells_by_commune.annee,
        territories.niveau_territoire,
        territories.code_territoire,
        cells_by_commune.dimension,
        cells_by_commune.modalite,
        sum(cells_by_commune.beneficiaires) as beneficiaires,
        sum(cells_by_commune.heures_realisees) as heures_realisees
    from cells_by_commune
    inner join territories using (code_commune)
    where territories.niveau_territoire <> 'commune' or cells_by_commune.dimension = 'ensemble'
    group by all

),

labels as (

    select 'ensemble' as dimension, 'total' as modalite, 'Ensemble des bénéficiaires' as libelle_modalite
    union all
    select 'sexe', sex, libelle from sexes
    union all
    select 'tranche_age', libelle, libelle from age_bands
    union all
    select 'sexe_tranche_age', sexes.sex || '|' || age_bands.libelle, sexes.libelle || ' ' || age_bands.libelle
    from sexes cross join age_bands
    union all select 'residence_qpv', 'QPV', 'Résident d''un QPV'
    union all select 'residence_qpv', 'hors QPV', 'Hors QPV'
    union all
    select 'niveau_diplome', cast(code as varchar), libelle from {{ ref('clauses_niveaux_formation') }}
    union all select 'niveau_diplome', 'inconnu', 'Niveau inconnu'
    union all
    select 'public', code, libelle from {{ ref('clauses_publics') }}
    union all
    select 'type_contrat', contract_type_code, contract_type_label from {{ ref('dim_employment_contract_type') }}
    union all select 'type_contrat', 'inconnu', 'Type de contrat inconnu'
    union all
    select 'modalite_realisation', code, libelle from {{ ref('clauses_modalites') }}
    union all select 'modalite_realisation', 'inconnu', 'Modalité inconnue'
    union all
    select 'prescripteur', prescriber_code, prescriber_label from {{ ref('dim_prescriber') }}

),

-- complete grid: every year × territory × modality seen in the data (communes: ensemble only)
grid as (

    select years.annee, places.niveau_territoire, places.code_territoire, places.nom_territoire,
        modalities.dimension, modalities.modalite
    from (select distinct annee from cells) as years
    cross join (select distinct niveau_territoire, code_territoire, nom_territoire from territories) as places
    cross join (select distinct dimension, modalite from cells) as modalities
    where places.niveau_territoire <> 'commune' or modalities.dimension = 'ensemble'

)

select
    cast(grid.annee as integer) as annee,
    grid.niveau_territoire,
    grid.code_territoire,
    grid.nom_territoire,
    grid.dimension,
    grid.modalite,
    coalesce(labels.libelle_modalite, grid.modalite) as libelle_modalite,
    cast(coalesce(cells.beneficiaires, 0) as integer) as beneficiaires,
    cast(coalesce(cells.heures_realisees, 0) as double) as heures_realisees
from grid
left join cells using (annee, niveau_territoire, code_territoire, dimension, modalite)
left join labels using (dimension, modalite)
