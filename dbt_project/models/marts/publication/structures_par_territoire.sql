{#- The open-data set structures_par_territoire: insertion and disability structures by territory (departement and
    ept of structures_by_territory, and the region as the sum of its départements) and type (`ensemble`, SIAE, each
    kind of SIAE, GEIQ, EA, ESAT), per 100,000 inhabitants. Structures are organisations: published as it is. -#}
with departements_and_epts as (

    select territory_level, territory_code, territory_name, population, structure_count, siae_count, aci_count,
        ai_count, ei_count, etti_count, eiti_count, geiq_count, ea_count, esat_count
    from {{ ref('structures_by_territory') }}
    where territory_level in ('departement', 'ept')

),

territories as (

    select * from departements_and_epts
    union all
    select
        'region',
        '11',
        (select any_value(region_name) from {{ ref('dim_geography') }} where region_code = '11'),
        sum(population),
        sum(structure_count),
        sum(siae_count),
        sum(aci_count),
        sum(ai_count),
        sum(ei_count),
        sum(etti_count),
        sum(eiti_count),
        sum(geiq_count),
        sum(ea_count),
        sum(esat_count)
    from departements_and_epts
    where territory_level = 'departement'

),

by_type as (

    select
        territories.territory_level as niveau_territoire,
        territories.territory_code as code_territoire,
        territories.territory_name as nom_territoire,
        t.kind.type_structure,
        t.kind.structures,
        territories.population
    from territories
    cross join unnest([
        {'type_structure': 'ensemble', 'structures': territories.structure_count},
        {'type_structure': 'SIAE', 'structures': territories.siae_count},
        {'type_structure': 'ACI', 'structures': territories.aci_count},
        {'type_structure': 'AI', 'structures': territories.ai_count},
        {'type_structure': 'EI', 'structures': territories.ei_count},
        {'type_structure': 'ETTI', 'structures': territories.etti_count},
        {'type_structure': 'EITI', 'structures': territories.eiti_count},
        {'type_structure': 'GEIQ', 'structures': territories.geiq_count},
        {'type_structure': 'EA', 'structures': territories.ea_count},
        {'type_structure': 'ESAT', 'structures': territories.esat_count}
    ]) as t(kind)

)

select
    niveau_territoire,
    code_territoire,
    nom_territoire,
    type_structure,
    cast(structures as integer) as structures,
    cast(population as bigint) as population,
    cast(round(structures * 100000.0 / nullif(population, 0), 2) as double) as structures_pour_100000_habitants
from by_type
