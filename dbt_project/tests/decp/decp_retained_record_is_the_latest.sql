-- The deduplication rule (README): the retained record is the latest published (`datePublicationDonnees`; a dated
-- record before an undated one), and among equally recent records the most complete. Returns every superseded
-- record that should have won over its contract's retained record on those two criteria.
with records as (

    select * from {{ ref('int_decp_records_ranked') }}
    where record_fate in ('retained', 'superseded')

)

select superseded.record_key, superseded.contract_key
from records as superseded
inner join records as retained
    on retained.contract_key = superseded.contract_key and retained.record_fate = 'retained'
where superseded.record_fate = 'superseded'
    and (
        superseded.publication_date > retained.publication_date
        or (superseded.publication_date is not null and retained.publication_date is null)
        or (
            superseded.publication_date is not distinct from retained.publication_date
            and superseded.completeness_score > retained.completeness_score
        )
    )
