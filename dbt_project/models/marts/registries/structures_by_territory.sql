-- Insertion (SIAE, GEIQ) and disability (EA, ESAT) structures per territory of Île-de-France: counts by kind
-- and per 100,000 inhabitants, for the 8 départements, the 11 EPT of the Métropole du Grand Paris plus Paris,
-- and the EPCI. Every territory has a row, with zero counts where no structure is listed (has_no_structure).
-- A structure is placed by the commune of its SIRENE establishment (or registry), else, at département level
-- only, by the département of its registry listing.
with geography as (

    select * from {{ ref('dim_geography') }}
    where is_ile_de_france and commune_type in ('COM', 'ARM')

),

structures as (

    select
        structures.*,
        geography.departement_code as commune_departement_code,
        geography.ept_code,
        geography.epci_siren
    from {{ ref('int_structures') }} as structures
    left join {{ ref('int_establishments') }} as establishments using (siret)
    left join geography on geography.commune_code = coalesce(establishments.commune_code, structures.commune_code)

),

placed as (

    select 'departement' as territory_level, coalesce(commune_departement_code, departement_code) as territory_code,
        commune_departement_code is null as is_placed_by_listing, *
    from structures
    union all
    select 'ept', ept_code, false, * from structures where ept_code is not null
    union all
    select 'epci', epci_siren, false, * from structures where epci_siren is not null

),

territories as (

    select
        'departement' as territory_level, departement_code as territory_code,
        any_value(departement_name) as territory_name,
        sum(population_municipale) filter (where commune_type = 'COM') as population
    from geography group by departement_code
    union all
    select 'ept', ept_code, any_value(ept_name), sum(population_municipale) filter (where commune_type = 'COM')
    from geography where ept_code is not null group by ept_code
    union all
    select 'epci', epci_siren, any_value(epci_name), sum(population_municipale) filter (where commune_type = 'COM')
    from geography where epci_siren is not null group by epci_siren

),

counts as (

    select
        territory_level,
        territory_code,
        count(distinct siret) as structure_count,
        count(distinct siret) filter (where is_siae) as siae_count,
        count(distinct siret) filter (where is_aci) as aci_count,
        count(distinct siret) filter (where is_ai) as ai_count,
        count(distinct siret) filter (where is_ei) as ei_count,
        count(distinct siret) filter (where is_etti) as etti_count,
        count(distinct siret) filter (where is_eiti) as eiti_count,
        count(distinct siret) filter (where is_geiq) as geiq_count,
        count(distinct siret) filter (where is_ea or is_eatt) as ea_count,
        count(distinct siret) filter (where is_esat) as esat_count,
        count(distinct siret) filter (where is_placed_by_listing) as placed_by_listing_count
    from placed
    group by territory_level, territory_code

)

select
    territories.territory_level,
    territories.territory_code,
    territories.territory_name,
    cast(territories.population as bigint) as population,
    {% for column in ['structure_count', 'siae_count', 'aci_count', 'ai_count', 'ei_count', 'etti_count',
                      'eiti_count', 'geiq_count', 'ea_count', 'esat_count', 'placed_by_listing_count'] %}
    cast(coalesce(counts.{{ column }}, 0) as integer) as {{ column }},
    {% endfor %}
    round(coalesce(counts.structure_count, 0) * 100000.0 / nullif(territories.population, 0), 2) as structures_per_100k,
    round(coalesce(counts.siae_count, 0) * 100000.0 / nullif(territories.population, 0), 2) as siae_per_100k,
    coalesce(counts.structure_count, 0) = 0 as has_no_structure
from territories
left join counts using (territory_level, territory_code)
