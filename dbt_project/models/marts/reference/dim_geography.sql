{#- One row per INSEE commune code. COMD/COMA rows whose code is also a current commune (COM) are
    dropped: the code then means the commune nouvelle. Paris (75056) and its arrondissements form the
    territory "Paris" at EPT level, as in the observatory's territorial breakdown. qpv_count counts the QPV
    of the QPV list touching the commune, or one of its arrondissements or communes déléguées/associées. -#}
{%- set metropole_grand_paris_siren = '200054781' -%}

with communes as (
    select * from {{ ref('stg_reference__communes') }}
),

communes_idf as (
    select * from {{ ref('stg_reference__communes_idf') }}
),

departements as (
    select * from {{ ref('stg_reference__departements') }}
),

regions as (
    select * from {{ ref('stg_reference__regions') }}
),

ept as (
    select * from {{ ref('stg_reference__ept') }}
),

epci as (
    select * from {{ ref('stg_reference__epci') }}
),

qpv_communes as (
    select qpv_code, commune_code from {{ ref('stg_reference__qpv_communes') }}
),

current_commune_codes as (
    select commune_code from communes where commune_type in ('COM', 'ARM')
),

kept_communes as (
    select communes.*
    from communes
    where communes.commune_type in ('COM', 'ARM')
        or communes.commune_code not in (select commune_code from current_commune_codes)
),

-- COMD/COMA rows have no département/region: they inherit those of their parent commune, and an
-- arrondissement municipal inherits its city's intercommunal membership.
with_parent as (
    select
        kept_communes.*,
        case
            when kept_communes.commune_type = 'COM' then kept_communes.commune_code
            else kept_communes.parent_commune_code
        end as attached_commune_code
    from kept_communes
),

attached as (
    select
        with_parent.commune_code,
        with_parent.commune_name,
        with_parent.commune_type,
        with_parent.parent_commune_code,
        coalesce(with_parent.departement_code, parent.departement_code) as departement_code,
        coalesce(with_parent.region_code, parent.region_code) as region_code,
        with_parent.attached_commune_code
    from with_parent
    left join communes as parent
        on parent.commune_code = with_parent.attached_commune_code
        and parent.commune_type = 'COM'
),

-- a QPV listed on an arrondissement or a commune déléguée also touches the commune it belongs to
qpv_counts as (
    select touched_commune_code as commune_code, count(distinct qpv_code) as qpv_count
    from (
        select qpv_communes.qpv_code, attached.commune_code as touched_commune_code
        from qpv_communes
        inner join attached on attached.commune_code = qpv_communes.commune_code
        union all
        select qpv_communes.qpv_code, attached.parent_commune_code
        from qpv_communes
        inner join attached on attached.commune_code = qpv_communes.commune_code
        where attached.parent_commune_code is not null
    ) as touched
    group by touched_commune_code
),

idf_membership as (
    select
        commune_code,
        epci_siren,
        ept_code,
        ept_name
    from communes_idf
    where commune_type = 'COM'
),

idf_population as (
    select
        commune_code,
        commune_type,
        population_municipale
    from communes_idf
    where commune_type in ('COM', 'ARM')
),

geography as (
    select
        attached.commune_code,
        attached.commune_name,
        attached.commune_type,
        attached.commune_type = 'COM' as is_current_commune,
        attached.parent_commune_code,
        attached.departement_code,
        departements.departement_name,
        attached.region_code,
        regions.region_name,
        attached.region_code = '11' as is_ile_de_france,
        idf_membership.epci_siren,
        epci.epci_name,
        epci.epci_nature,
        case
            when attached.attached_commune_code = '75056' then '75056'
            else idf_membership.ept_code
        end as ept_code,
        case
            when attached.attached_commune_code = '75056' then 'Paris'
            else coalesce(ept.ept_name, idf_membership.ept_name)
        end as ept_name,
        coalesce(idf_membership.epci_siren = '{{ metropole_grand_paris_siren }}', false)
            as is_metropole_grand_paris,
        idf_population.population_municipale,
        cast(coalesce(qpv_counts.qpv_count, 0) as integer) as qpv_count
    from attached
    left join departements
        on departements.departement_code = attached.departement_code
    left join regions
        on regions.region_code = attached.region_code
    left join idf_membership
        on idf_membership.commune_code = attached.attached_commune_code
    left join epci
        on epci.epci_siren = idf_membership.epci_siren
    left join ept
        on ept.ept_code = idf_membership.ept_code
    left join idf_population
        on idf_population.commune_code = attached.commune_code
        and idf_population.commune_type = attached.commune_type
    left join qpv_counts
        on qpv_counts.commune_code = attached.commune_code
),

unknown_member as (
    select
        '00000' as commune_code,
        'Commune inconnue' as commune_name,
        'UNKNOWN' as commune_type,
        false as is_current_commune,
        cast(null as varchar) as parent_commune_code,
        cast(null as varchar) as departement_code,
        cast(null as varchar) as departement_name,
        cast(null as varchar) as region_code,
        cast(null as varchar) as region_name,
        false as is_ile_de_france,
        cast(null as varchar) as epci_siren,
        cast(null as varchar) as epci_name,
        cast(null as varchar) as epci_nature,
        cast(null as varchar) as ept_code,
        cast(null as varchar) as ept_name,
        false as is_metropole_grand_paris,
        cast(null as integer) as population_municipale,
        cast(null as integer) as qpv_count
)

select * from geography
union all
select * from unknown_member
