-- Quality metric of the registry enrichment: for contract holders, employers and buyers, how many the
-- registries know and how many stay with an unknown classification (kept in the marts, never dropped).
-- Companies (holders, employers) are unknown when neither SIRENE nor a structure list (SIAE, GEIQ, EA, ESAT)
-- knows their identifier (dim_company.is_known_to_a_registry); buyers when no type can be derived
-- (dim_buyer.buyer_type = 'inconnu': not in SIRENE, or a legal category without buyer type).
with companies as (

    select * from {{ ref('dim_company') }}

),

populations as (

    select
        'contract_holders' as population,
        'Titulaires des marchés publics (DECP)' as population_label,
        companies.is_siret_valid,
        companies.is_in_sirene,
        companies.is_insertion_or_disability_structure as is_in_structure_registry,
        not companies.is_known_to_a_registry as is_unknown,
        'ni dans SIRENE ni dans une liste de structures (SIAE, GEIQ, EA, ESAT)' as unknown_rule
    from (select distinct holder_id from {{ ref('fct_contract_holders') }}) as holders
    inner join companies on companies.company_id = holders.holder_id

    union all

    select
        'employers',
        'Employeurs des bénéficiaires des clauses (suivi des clauses)',
        companies.is_siret_valid,
        companies.is_in_sirene,
        companies.is_insertion_or_disability_structure,
        not companies.is_known_to_a_registry,
        'ni dans SIRENE ni dans une liste de structures (SIAE, GEIQ, EA, ESAT)'
    from (
        select distinct employer_siret from {{ ref('fct_employment_contracts') }} where employer_siret is not null
    ) as employers
    inner join companies on companies.company_id = employers.employer_siret

    union all

    select
        'buyers',
        'Acheteurs publics (DECP)',
        buyers.is_siret_valid,
        buyers.buyer_siret in (select siret from {{ ref('int_establishments') }}),
        buyers.buyer_siret in (select siret from {{ ref('int_structures') }}),
        buyers.buyer_type = 'inconnu',
        'type d''acheteur inconnu : absent de SIRENE ou catégorie juridique sans type d''acheteur'
    from {{ ref('dim_buyer') }} as buyers

)

select
    population,
    any_value(population_label) as population_label,
    cast(count(*) as integer) as entity_count,
    cast(count(*) filter (where is_siret_valid) as integer) as valid_siret_count,
    cast(count(*) filter (where is_in_sirene) as integer) as in_sirene_count,
    cast(count(*) filter (where is_in_structure_registry) as integer) as in_structure_registry_count,
    cast(count(*) filter (where is_unknown) as integer) as unknown_count,
    round(count(*) filter (where is_unknown) / count(*), 4) as unknown_share,
    any_value(unknown_rule) as unknown_rule
from populations
group by population
