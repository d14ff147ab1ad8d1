-- Monthly hours worked, attributed to their employment contract, beneficiary, tracked contract and operation.
-- Kept free of seeds so that fct_contracts (DECP) can aggregate worked hours without the nomenclatures.
-- Integrity rules (the rows set aside are listed with their reason in clause_tracking_issues):
--   * a contract × month reported twice by a source keeps the last row published (latest file, last line):
--     exports re-publish corrected months;
--   * hours of a contract the source does not describe are not attributed.
-- Incremental (macros/incremental.sql): a refresh recomputes every month of the employment contracts that rows
-- loaded since the last build touch (new or corrected hours, a re-published contract, participant or tracked
-- contract); the rows of the other contracts cannot change.
{{ config(
    materialized='incremental',
    unique_key='insertion_hours_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with published_hours as (

    select * from {{ ref('stg_suivi_clauses__monthly_hours') }}

),

employment_contracts as (

    select * from {{ ref('stg_suivi_clauses__employment_contracts') }}

),

participants as (

    select participant_key, beneficiary_key, load_id from {{ ref('stg_suivi_clauses__participants') }}

),

tracked_contracts as (

    select tracked_contract_key, operation_key, load_id from {{ ref('stg_suivi_clauses__tracked_contracts') }}

),

{% if is_incremental() %}
{%- set built = last_built_load_id('refreshed_load_id') %}
touched_contracts as (

    select employment_contract_key from published_hours where {{ load_order('load_id') }} > {{ built }}
    union
    {{ employment_contracts_described_since(built, 'employment_contracts', 'participants', 'tracked_contracts') }}

),
{% endif %}

-- how many times each contract × month is published: only those published more than once are sorted to keep
-- their latest row (a count per key needs no sort; almost every key is published once)
counted_hours as (

    select
        *,
        count(*) over (partition by employment_contract_key, month_date) as times_published
    from published_hours
    {% if is_incremental() %}
    where employment_contract_key in (select employment_contract_key from touched_contracts)
    {% endif %}

),

hours as (

    select * exclude (times_published) from counted_hours
    where times_published = 1
    union all
    select * exclude (times_published) from counted_hours
    where times_published > 1
    qualify row_number() over (
        partition by employment_contract_key, month_date order by source_file desc, line_number desc
    ) = 1

)

select
    md5(hours.employment_contract_key || '|' || cast(hours.month_date as varchar)) as insertion_hours_key,
    hours.employment_contract_key,
    participants.beneficiary_key,
    employment_contracts.participant_key,
    employment_contracts.tracked_contract_key,
    tracked_contracts.operation_key,
    hours.source_name,
    hours.month_date,
    cast(year(hours.month_date) as integer) as year,
    hours.hours,
    hours.source_file,
    hours.line_number,
    {{ latest_load_id(hours_attribution_inputs()) }} as refreshed_load_id
from hours
inner join employment_contracts using (employment_contract_key)
left join participants on participants.participant_key = employment_contracts.participant_key
left join tracked_contracts on tracked_contracts.tracked_contract_key = employment_contracts.tracked_contract_key
