-- One row per buyer (acheteur or autorité concédante) SIRET seen in fct_contracts. The name is the most
-- recently published one (the 2024 format no longer publishes names: SIRENE fills them in later).
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

)

select
    buyers.buyer_siret,
    left(buyers.buyer_siret, 9) as buyer_siren,
    buyer_names.buyer_name,
    {{ is_valid_siret('buyers.buyer_siret') }} as is_siret_valid,
    cast(buyers.contract_count as integer) as contract_count
from buyers
left join buyer_names on buyer_names.buyer_id = buyers.buyer_siret
