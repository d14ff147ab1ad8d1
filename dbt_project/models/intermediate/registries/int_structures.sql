-- One row per SIRET listed by an insertion (SIAE, GEIQ) or disability (EA, EATT, ESAT) registry, with every
-- kind it is listed with, the sources that list it and the dates those sources give.
with listings as (

    select siret, siae_kind as structure_kind, 'asp_siae_list' as registry_source, 2 as source_rank,
        structure_name, departement_code, cast(null as varchar) as commune_code, postal_code, commune_name,
        list_date as listed_on, cast(null as date) as valid_from
    from {{ ref('stg_registries__siae_conventions') }}

    union all

    select siret, structure_kind, 'emplois_inclusion_api', 1,
        structure_name, departement_code, null, postal_code, commune_name,
        updated_on, created_on
    from {{ ref('stg_registries__inclusion_api_siaes') }}

    union all

    select siret, 'GEIQ', 'france_geiq_list', 3,
        structure_name, departement_code, null, postal_code, commune_name,
        list_date, null
    from {{ ref('stg_registries__geiq') }}

    union all

    select siret, structure_kind, 'dgefp_ea_list', 4,
        structure_name, departement_code, null, postal_code, commune_name,
        null, null
    from {{ ref('stg_registries__adapted_companies') }}

    union all

    select siret, 'ESAT', 'finess', 5,
        structure_name, departement_code, commune_code, postal_code, commune_name,
        updated_on, opened_on
    from {{ ref('stg_registries__finess_establishments') }}
    where is_esat

),

classified as (

    select
        *,
        case
            when structure_kind in ('ACI', 'AI', 'EI', 'ETTI', 'EITI') then 'SIAE'
            when structure_kind = 'GEIQ' then 'GEIQ'
            when structure_kind in ('EA', 'EATT', 'ESAT') then 'handicap'
        end as structure_family
    from listings
    where siret is not null

),

per_siret as (

    select
        siret,
        -- The most current source first (API, then lists), then the latest list date.
        first(structure_kind order by source_rank asc, listed_on desc nulls last, structure_kind asc) as structure_kind,
        first(structure_family order by source_rank asc, listed_on desc nulls last, structure_kind asc)
            as structure_family,
        list(distinct structure_kind order by structure_kind) as structure_kinds,
        list(distinct structure_family order by structure_family) as structure_families,
        list(distinct registry_source order by registry_source) as registry_sources,
        first(structure_name order by source_rank asc, listed_on desc nulls last)
            filter (where structure_name is not null) as structure_name,
        first(departement_code order by source_rank) filter (where departement_code is not null) as departement_code,
        first(commune_code order by source_rank) filter (where commune_code is not null) as registry_commune_code,
        first(commune_name order by source_rank) filter (where commune_name is not null) as commune_name,
        first(postal_code order by source_rank) filter (where postal_code is not null) as postal_code,
        min(listed_on) as first_listed_on,
        max(listed_on) as last_listed_on,
        min(valid_from) as valid_from,
        count(*) as listing_count
    from classified
    where structure_family is not null
    group by siret

)

select
    per_siret.siret,
    left(per_siret.siret, 9) as siren,
    {{ is_valid_siret('per_siret.siret') }} as is_siret_valid,
    per_siret.structure_kind,
    per_siret.structure_family,
    per_siret.structure_kinds,
    per_siret.structure_families,
    list_contains(per_siret.structure_families, 'SIAE') as is_siae,
    list_contains(per_siret.structure_kinds, 'ACI') as is_aci,
    list_contains(per_siret.structure_kinds, 'AI') as is_ai,
    list_contains(per_siret.structure_kinds, 'EI') as is_ei,
    list_contains(per_siret.structure_kinds, 'ETTI') as is_etti,
    list_contains(per_siret.structure_kinds, 'EITI') as is_eiti,
    list_contains(per_siret.structure_kinds, 'GEIQ') as is_geiq,
    list_contains(per_siret.structure_kinds, 'EA') or list_contains(per_siret.structure_kinds, 'EATT') as is_ea,
    list_contains(per_siret.structure_kinds, 'EATT') as is_eatt,
    list_contains(per_siret.structure_kinds, 'ESAT') as is_esat,
    per_siret.structure_name,
    coalesce(per_siret.registry_commune_code, sirene.commune_code) as commune_code,
    per_siret.commune_name,
    per_siret.postal_code,
    coalesce(per_siret.departement_code,
        case when sirene.commune_code like '97%' then left(sirene.commune_code, 3) else left(sirene.commune_code, 2) end
    ) as departement_code,
    per_siret.registry_sources,
    per_siret.first_listed_on,
    per_siret.last_listed_on,
    per_siret.valid_from,
    case when sirene.administrative_status = 'F' then sirene.status_since end as closed_on,
    cast(per_siret.listing_count as integer) as listing_count
from per_siret
left join {{ ref('stg_registries__sirene_establishments') }} as sirene on sirene.siret = per_siret.siret
