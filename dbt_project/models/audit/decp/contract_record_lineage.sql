-- The fate of every published contract record: retained (it is the contract's row in fct_contracts),
-- superseded (a newer or more complete record of the same contract was retained) or rejected.
select
    record_key,
    source_kind,
    source_file,
    record_type,
    record_index,
    format_version,
    contract_key,
    record_fate,
    retained_record_key,
    rejection_reason,
    publication_date,
    completeness_score,
    load_id
from {{ ref('int_decp_records_ranked') }}
