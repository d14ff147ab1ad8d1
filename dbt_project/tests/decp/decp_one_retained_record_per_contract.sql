-- The deduplication rule (README): every contract, one (buyer identity, contract id) pair, has exactly one
-- retained record, which every record of the contract points at. Returns the contracts breaking it.
select
    contract_key,
    count(*) filter (where record_fate = 'retained') as retained_records,
    count(distinct retained_record_key) as retained_record_keys,
    count(*) filter (where record_fate = 'retained' and retained_record_key <> record_key) as retained_elsewhere
from {{ ref('int_decp_records_ranked') }}
where record_fate <> 'rejected'
group by contract_key
having
    count(*) filter (where record_fate = 'retained') <> 1
    or count(distinct retained_record_key) <> 1
    or count(*) filter (where record_fate = 'retained' and retained_record_key <> record_key) > 0
    or count(distinct (buyer_key, contract_id)) <> 1
