{#- Insertion (SIAE, GEIQ) and disability (EA, EATT, ESAT) structures of Île-de-France, one row per SIRET, as
    published in the open-data listing `structures_inclusion`. Structures are organisations, not people.
    Placement follows structures_by_territory: the commune of the SIRENE establishment, else the commune given
    by the registry; the département of that commune, else the département of the registry listing. When
    SIRENE publishes the establishment with partial diffusion (statut de diffusion partielle, e.g. a sole
    trader who opposed the publication of their address), the commune is withheld and only the département
    is kept. -#}
with structures as (

    select * from {{ ref('int_structures') }}

),

establishments as (

    select siret, official_name, commune_code, is_partially_diffusible from {{ ref('int_establishments') }}

),

geography as (

    select * from {{ ref('dim_geography') }}

),

placed as (

    select
        structures.siret,
        coalesce(structures.structure_name, establishments.official_name) as structure_name,
        structures.structure_kind,
        array_to_string(list_sort(structures.structure_kinds), '|') as structure_kinds,
        structures.structure_family,
        coalesce(establishments.is_partially_diffusible, false) as is_partially_diffusible,
        place.commune_code,
        place.commune_name,
        coalesce(place.departement_code, structures.departement_code) as departement_code
    from structures
    left join establishments using (siret)
    left join geography as place
        on place.commune_code = coalesce(establishments.commune_code, structures.commune_code)
        and place.is_ile_de_france
        and place.commune_type in ('COM', 'ARM')

)

select
    placed.siret,
    placed.structure_name,
    placed.structure_kind,
    placed.structure_kinds,
    placed.structure_family,
    case when not placed.is_partially_diffusible then placed.commune_code end as commune_code,
    case when not placed.is_partially_diffusible then placed.commune_name end as commune_name,
    placed.departement_code,
    departements.departement_name,
    placed.is_partially_diffusible
from placed
inner join (
    select distinct departement_code, departement_name from geography where is_ile_de_france
) as departements using (departement_code)
