{#- The open-data set beneficiaires_par_qpv before statistical secrecy: beneficiaries of the year
    (yearly_beneficiaries, as in beneficiaires_par_territoire) residing in a quartier prioritaire (is_qpv_resident)
    of an Île-de-France commune, and their hours, by year, QPV of residence (2024 list) and commune of residence.
    A QPV over several communes has one row per commune, so that the rows of a commune, an EPT or a département add
    up to its QPV residents in beneficiaires_par_territoire (dimension residence_qpv, modalite QPV), which
    statistical secrecy relies on. A QPV resident whose QPV code is missing, not in the list or not on the commune
    of residence counts in the row `inconnu` of the commune. The grid is complete: every year of
    beneficiaires_par_territoire × QPV part of the list (and commune with an `inconnu` QPV), 0 when nobody lives
    there; the set is empty while nobody resides in a QPV. -#}
with territories as (

    select * from {{ ref('territoires_publication') }}

),

-- every commune code of the facts -> the published commune holding it, its département and EPT
places as (

    select
        commune.code_commune as fact_commune_code,
        commune.code_territoire as code_commune,
        commune.nom_territoire as nom_commune,
        departement.code_territoire as code_departement,
        ept.code_territoire as code_ept,
        ept.nom_territoire as nom_ept
    from territories as commune
    inner join territories as departement
        on departement.code_commune = commune.code_commune and departement.niveau_territoire = 'departement'
    left join territories as ept
        on ept.code_commune = commune.code_commune and ept.niveau_territoire = 'ept'
    where commune.niveau_territoire = 'commune'

),

-- each QPV of the list × published commune it touches (Pierrefitte-sur-Seine's code counts in Saint-Denis)
qpv_parts as (

    select distinct
        qpv_communes.qpv_code as code_qpv,
        qpv_communes.qpv_name as nom_qpv,
        places.code_commune
    from {{ ref('stg_reference__qpv_communes') }} as qpv_communes
    inner join places on places.fact_commune_code = qpv_communes.commune_code

),

residents as (

    select
        yearly.annee,
        yearly.heures,
        places.code_commune,
        coalesce(qpv_parts.code_qpv, 'inconnu') as code_qpv
    from {{ ref('yearly_beneficiaries') }} as yearly
    inner join {{ ref('dim_beneficiary') }} as beneficiaries using (beneficiary_key)
    inner join places on places.fact_commune_code = beneficiaries.residence_commune_code
    left join qpv_parts
        on qpv_parts.code_qpv = beneficiaries.qpv_code and qpv_parts.code_commune = places.code_commune
    where beneficiaries.is_qpv_resident

),

cells as (

    select annee, code_qpv, code_commune, count(*) as beneficiaires, sum(heures) as heures_realisees
    from residents
    group by annee, code_qpv, code_commune

),

-- the years of beneficiaires_par_territoire (a beneficiary of the year resides in a territory), when anyone
-- resides in a QPV: every QPV row then has its totals there
years as (

    select distinct yearly.annee
    from {{ ref('yearly_beneficiaries') }} as yearly
    inner join {{ ref('dim_beneficiary') }} as beneficiaries using (beneficiary_key)
    inner join places on places.fact_commune_code = beneficiaries.residence_commune_code
    where exists (select 1 from residents)

),

parts as (

    select code_qpv, nom_qpv, code_commune from qpv_parts
    union all
    select distinct code_qpv, 'QPV non précisé', code_commune from residents where code_qpv = 'inconnu'

),

communes as (

    select distinct code_commune, nom_commune, code_departement, code_ept, nom_ept from places

),

grid as (

    select years.annee, parts.code_qpv, parts.nom_qpv, parts.code_commune
    from years
    cross join parts

)

select
    cast(grid.annee as integer) as annee,
    grid.code_qpv,
    grid.nom_qpv,
    grid.code_commune,
    communes.nom_commune,
    communes.code_departement,
    communes.code_ept,
    communes.nom_ept,
    cast(coalesce(cells.beneficiaires, 0) as integer) as beneficiaires,
    cast(coalesce(cells.heures_realisees, 0) as double) as heures_realisees
from grid
inner join communes using (code_commune)
left join cells using (annee, code_qpv, code_commune)
