-- One row per company identifier that holds a public contract (titulaire, concessionnaire) or appears in the
-- clause tracking (employer, holder, co-contractor, subcontractor), enriched from SIRENE and classified by
-- the insertion and disability registries. A company no registry knows stays here with structure_kind
-- 'inconnu' (counted in the quality metric is_known_to_a_registry), never dropped.
with holder_names as (

    select holder_id as company_id,
        -- an undamaged spelling (no U+FFFD) of the same identifier wins over a damaged one
        arg_max(holder_name_published, (not {{ has_lost_characters('holder_name_published') }}, holder_name_published))
            filter (where holder_name_published is not null) as published_name,
        any_value(holder_id_type) filter (where holder_id_type is not null) as holder_id_type,
        count(distinct contract_key) as contract_count
    from {{ ref('fct_contract_holders') }}
    group by holder_id

),

tracking_companies as (

    select company_siret as company_id, max(company_name) as published_name
    from {{ ref('stg_suivi_clauses__companies') }}
    where company_siret is not null
    group by company_siret

    union all

    select employer_siret, cast(null as varchar)
    from {{ ref('stg_suivi_clauses__employment_contracts') }}
    where employer_siret is not null
    group by employer_siret

),

companies as (

    select company_id, arg_max(published_name, (not {{ has_lost_characters('published_name') }}, published_name))
        filter (where published_name is not null) as published_name
    from (
        select company_id, published_name from holder_names
        union all
        select company_id, published_name from tracking_companies
    ) as published_names
    group by company_id

)

select
    companies.company_id,
    coalesce({{ holder_id_type('holder_names.holder_id_type', 'companies.company_id') }}, 'INCONNU') as company_id_type,
    case when regexp_full_match(companies.company_id, '[0-9]{14}') then left(companies.company_id, 9) end
        as company_siren,
    coalesce(establishments.official_name, structures.structure_name, companies.published_name) as company_name,
    companies.published_name as company_name_published,
    {{ is_valid_siret('companies.company_id') }} as is_siret_valid,
    {{ is_placeholder_identifier('companies.company_id') }} as is_id_placeholder,
    establishments.siret is not null as is_in_sirene,
    establishments.naf_code,
    establishments.naf_label,
    establishments.size_band_code,
    establishments.size_band_label,
    establishments.legal_category_code,
    establishments.is_active as is_active_in_sirene,
    establishments.commune_code,
    coalesce(structures.structure_kind, 'inconnu') as structure_kind,
    coalesce(structures.structure_family, 'inconnu') as structure_family,
    coalesce(structures.is_siae, false) as is_siae,
    coalesce(structures.is_aci, false) as is_aci,
    coalesce(structures.is_ai, false) as is_ai,
    coalesce(structures.is_ei, false) as is_ei,
    coalesce(structures.is_etti, false) as is_etti,
    coalesce(structures.is_eiti, false) as is_eiti,
    coalesce(structures.is_geiq, false) as is_geiq,
    coalesce(structures.is_ea, false) as is_ea,
    coalesce(structures.is_eatt, false) as is_eatt,
    coalesce(structures.is_esat, false) as is_esat,
    structures.siret is not null as is_insertion_or_disability_structure,
    coalesce(structures.valid_from, structures.first_listed_on) as structure_listed_from,
    structures.closed_on as structure_closed_on,
    structures.siret is not null or establishments.siret is not null as is_known_to_a_registry,
    cast(coalesce(holder_names.contract_count, 0) as integer) as contract_count
from companies
left join holder_names using (company_id)
left join {{ ref('int_establishments') }} as establishments on establishments.siret = companies.company_id
left join {{ ref('int_structures') }} as structures on structures.siret = companies.company_id
