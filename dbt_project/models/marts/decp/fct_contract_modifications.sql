-- One row per modification (avenant) of a retained contract record: the history behind the current state.
select
    contracts.contract_key,
    cast(modifications.modification_position as integer) as modification_position,
    modifications.modification_id,
    modifications.modification_object,
    modifications.modification_date,
    modifications.modification_publication_date,
    modifications.amount_eur,
    modifications.duration_months,
    {{ holders_identified('modifications.holders_json') }} as changes_holders,
    modifications.is_well_formed
from {{ ref('int_decp_contracts_modified') }} as contracts
inner join {{ ref('int_decp_modifications_unioned') }} as modifications using (record_key)
