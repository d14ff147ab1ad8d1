-- One row per buyer (acheteur or autorité concédante) of fct_contracts, keyed by buyer_key (macros/identifiers.sql):
-- the SIRET when it is valid and not a placeholder, else the published identifier + the normalised name, so
-- unrelated buyers publishing the same placeholder (14 zeros...) are never merged. Named from SIRENE (the 2024
-- format no longer publishes names), else the latest published spelling without lost characters (U+FFFD), and
-- typed from its legal category. buyer_siret is NULL for buyers whose identifier identifies nobody.
with buyer_names as (

    select
        buyer_key,
        arg_max(
            buyer_name_published,
            (not {{ has_lost_characters('buyer_name_published') }}, coalesce(publication_date, date '1900-01-01'))
        ) filter (where buyer_name_published is not null) as buyer_name
    from {{ ref('int_decp_records_unioned') }}
    where buyer_key is not null
    group by buyer_key

),

buyers as (

    select
        buyer_key,
        any_value(buyer_siret) as buyer_id_published,
        bool_and(is_buyer_siret_valid and not is_buyer_id_placeholder) as identifies_buyer,
        count(*) as contract_count
    from {{ ref('fct_contracts') }}
    group by buyer_key

),

identified as (

    select *, case when identifies_buyer then buyer_id_published end as buyer_siret
    from buyers

),

typed as (

    select
        identified.buyer_key,
        types.buyer_type,
        types.buyer_type_label
    from identified
    inner join {{ ref('int_establishments') }} as establishments on establishments.siret = identified.buyer_siret
    inner join {{ ref('buyer_types') }} as types
        on starts_with(establishments.legal_category_code, types.legal_category_prefix)
    qualify row_number() over (partition by identified.buyer_key order by length(types.legal_category_prefix) desc) = 1

)

select
    identified.buyer_key,
    identified.buyer_siret,
    identified.buyer_id_published,
    left(identified.buyer_siret, 9) as buyer_siren,
    coalesce(establishments.official_name, buyer_names.buyer_name) as buyer_name,
    buyer_names.buyer_name as buyer_name_published,
    establishments.legal_category_code,
    coalesce(typed.buyer_type, 'inconnu') as buyer_type,
    coalesce(typed.buyer_type_label, 'Type inconnu') as buyer_type_label,
    establishments.commune_code,
    {{ is_valid_siret('identified.buyer_id_published') }} as is_siret_valid,
    {{ is_placeholder_identifier('identified.buyer_id_published') }} as is_id_placeholder,
    cast(identified.contract_count as integer) as contract_count
from identified
left join buyer_names using (buyer_key)
left join {{ ref('int_establishments') }} as establishments on establishments.siret = identified.buyer_siret
left join typed using (buyer_key)
