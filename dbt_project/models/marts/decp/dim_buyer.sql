-- One row per buyer (acheteur or autorité concédante) SIRET seen in fct_contracts, named from SIRENE (the 2024
-- format no longer publishes names; the latest published name otherwise) and typed from its legal category.
with buyer_names as (

    select
        buyer_id,
        arg_max(buyer_name_published, coalesce(publication_date, date '1900-01-01'))
            filter (where buyer_name_published is not null) as buyer_name
    from {{ ref('int_contract_records_unioned') }}
    where buyer_id is not null
    group by buyer_id

),

buyers as (

    select buyer_siret, count(*) as contract_count
    from {{ ref('fct_contracts') }}
    group by buyer_siret

),

typed as (

    select
        buyers.buyer_siret,
        types.buyer_type,
        types.buyer_type_label
    from buyers
    inner join {{ ref('int_establishments') }} as establishments on establishments.siret = buyers.buyer_siret
    inner join {{ ref('buyer_types') }} as types
        on starts_with(establishments.legal_category_code, types.legal_category_prefix)
    qualify row_number() over (partition by buyers.buyer_siret order by length(types.legal_category_prefix) desc) = 1

)

select
    buyers.buyer_siret,
    left(buyers.buyer_siret, 9) as buyer_siren,
    coalesce(establishments.official_name, buyer_names.buyer_name) as buyer_name,
    buyer_names.buyer_name as buyer_name_published,
    establishments.legal_category_code,
    coalesce(typed.buyer_type, 'inconnu') as buyer_type,
    coalesce(typed.buyer_type_label, 'Type inconnu') as buyer_type_label,
    establishments.commune_code,
    {{ is_valid_siret('buyers.buyer_siret') }} as is_siret_valid,
    cast(buyers.contract_count as integer) as contract_count
from buyers
left join buyer_names on buyer_names.buyer_id = buyers.buyer_siret
left join {{ ref('int_establishments') }} as establishments on establishments.siret = buyers.buyer_siret
left join typed using (buyer_siret)
