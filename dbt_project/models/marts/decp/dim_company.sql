-- One row per company identifier holding a contract (titulaire or concessionnaire), with the most
-- recently published name and the validity of the SIRET when the identifier is one.
with holders as (

    select
        holder_id,
        any_value(holder_id_type) filter (where holder_id_type is not null) as holder_id_type,
        max(holder_name_published) as holder_name,
        count(distinct contract_key) as contract_count
    from {{ ref('fct_contract_holders') }}
    group by holder_id

)

select
    holder_id as company_id,
    coalesce(holder_id_type, 'INCONNU') as company_id_type,
    case when regexp_full_match(holder_id, '[0-9]{14}') then left(holder_id, 9) end as company_siren,
    holder_name as company_name,
    {{ is_valid_siret('holder_id') }} as is_siret_valid,
    cast(contract_count as integer) as contract_count
from holders
