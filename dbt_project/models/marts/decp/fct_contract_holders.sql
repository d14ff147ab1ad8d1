-- Contract × holder bridge: the holders (titulaires, concessionnaires) published with the retained record
-- and with each of its modifications. `is_current_holder` marks the set in force today: the holders of
-- the latest modification that lists identified holders, else the initial holders (macros/decp_checks.sql).
with contracts as (

    select
        contract_key, record_key, source_sha256, record_type, record_index, holders_modification_position,
        notification_date
    from {{ ref('int_decp_contracts_modified') }}

),

initial_holders as (

    select
        contracts.contract_key,
        0 as modification_position,
        holders.holder_position,
        holders.holder_id,
        holders.holder_id_type,
        holders.holder_name_published,
        contracts.holders_modification_position is null as is_current_holder
    from contracts
    inner join {{ ref('int_decp_holders_unioned') }} as holders using (record_key)
    where holders.is_well_formed and holders.holder_id is not null

),

modification_holder_items as (

    select
        contracts.contract_key,
        modifications.modification_position,
        modifications.modification_position = contracts.holders_modification_position as is_current_holder,
        unnest(json_extract(modifications.holders_json, '$[*]')) as holder_json,
        generate_subscripts(json_extract(modifications.holders_json, '$[*]'), 1) as holder_position
    from contracts
    inner join {{ ref('int_decp_modifications_unioned') }} as modifications using (record_key)
    where {{ holders_identified('modifications.holders_json') }}

),

modification_holders as (

    select
        contract_key,
        modification_position,
        holder_position,
        {{ clean_siret("holder_json ->> 'id'") }} as holder_id,
        upper(nullif(trim(holder_json ->> 'typeIdentifiant'), '')) as holder_id_type,
        nullif(trim(holder_json ->> 'denominationSociale'), '') as holder_name_published,
        is_current_holder
    from modification_holder_items
    where json_type(holder_json) = 'OBJECT' and holder_json ->> 'id' is not null

),

holders as (

    select * from initial_holders
    union all by name
    select * from modification_holders

)

-- A holder is an insertion/disability structure "at the contract date" when a registry lists it and
-- neither its opening date (when the registry gives one) is after, nor its closure date before, notification.
select
    holders.contract_key,
    cast(holders.modification_position as integer) as modification_position,
    cast(holders.holder_position as integer) as holder_position,
    holders.holder_id,
    {{ holder_id_type('holders.holder_id_type', 'holders.holder_id') }} as holder_id_type,
    holders.holder_name_published,
    holders.is_current_holder,
    case
        when structures.siret is not null
            and (structures.valid_from is null or contracts.notification_date is null
                 or structures.valid_from <= contracts.notification_date)
            and (structures.closed_on is null or contracts.notification_date is null
                 or structures.closed_on >= contracts.notification_date)
            then structures.structure_kind
    end as structure_kind_at_notification
from holders
inner join contracts using (contract_key)
left join {{ ref('int_structures') }} as structures on structures.siret = holders.holder_id
