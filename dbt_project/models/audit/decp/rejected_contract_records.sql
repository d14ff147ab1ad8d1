-- Every published record left out of fct_contracts because it cannot identify a contract, with the reason.
-- (Records superseded by a newer publication of the same contract are not rejects: see
-- contract_record_lineage.) Documents that could not be read at all are in raw_decp.decp_load_audit.
select
    record_key,
    source_kind,
    source_file,
    record_type,
    record_index,
    format_version,
    contract_id,
    buyer_id,
    rejection_reason,
    load_id
from {{ ref('int_decp_records_ranked') }}
where record_fate = 'rejected'
