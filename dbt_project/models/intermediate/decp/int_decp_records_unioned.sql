-- Every published contract record in one shape, whatever its source: JSON/XML records as published, and
-- contracts rebuilt from the tabular file (one record per file × buyer × contract id, its rows being
-- one per holder). Social considerations are flags, NULL when the record does not say (2019 format,
-- tabular file): unknown is not "no". The buyer identity (buyer_key, macros/identifiers.sql) and the CPV code
-- (int_decp_cpv_codes_resolved) are resolved here, once.
-- Incremental (macros/incremental.sql): a record never changes once loaded, so a refresh adds the records of
-- the loads since the last build (a tabular file is loaded whole by one load: its contracts are complete).
{{ config(materialized='incremental', unique_key='record_key', incremental_strategy='delete+insert') }}
{%- if is_incremental() %}{% set built = last_built_load_id('load_id') %}{% endif %}

with json_xml_records as (

    select
        {{ decp_record_key('source_sha256', 'record_type', 'record_index') }} as record_key,
        source_kind,
        source_file,
        source_sha256,
        record_type,
        record_index,
        format_version,
        load_id,
        contract_id,
        buyer_id,
        buyer_name_published,
        nature,
        contract_object,
        cpv_published,
        procedure,
        execution_place_code,
        execution_place_code_type,
        duration_months,
        notification_date,
        publication_date,
        amount_eur,
        amount_published,
        price_form,
        list_has_any(
            social_consideration_keys,
            {{ social_consideration_keys() }}
        ) as social_considerations_known,
        has_environmental_consideration,
        social_consideration_keys
    from {{ ref('stg_decp__records') }}
    {% if is_incremental() %}where {{ load_order('load_id') }} > {{ built }}{% endif %}

),

json_xml_flagged as (

    select
        * exclude (social_consideration_keys),
        case when social_considerations_known
            then list_contains(social_consideration_keys, 'clause sociale') end as has_social_clause,
        case when social_considerations_known
            then list_contains(social_consideration_keys, 'critere social') end as has_social_criterion,
        case when social_considerations_known
            then list_has_any(social_consideration_keys, ['marche reserve', 'concession reservee']) end
            as is_reserved_contract
    from json_xml_records

),

tabular_contracts as (

    select
        {{ decp_record_key('source_sha256', "'tabular'", 'min(row_index)') }} as record_key,
        'tabular' as source_kind,
        any_value(source_file) as source_file,
        source_sha256,
        'marche' as record_type,
        min(row_index) as record_index,
        'tabular' as format_version,
        any_value(load_id) as load_id,
        contract_id,
        buyer_id,
        max(buyer_name_published) as buyer_name_published,
        max(nature) as nature,
        max(contract_object) as contract_object,
        max(cpv_published) as cpv_published,
        max(procedure) as procedure,
        cast(null as varchar) as execution_place_code,
        cast(null as varchar) as execution_place_code_type,
        max(duration_months) as duration_months,
        max(notification_date) as notification_date,
        max(publication_date) as publication_date,
        max(amount_eur) as amount_eur,
        max(amount_published) as amount_published,
        cast(null as varchar) as price_form,
        false as social_considerations_known,
        cast(null as boolean) as has_environmental_consideration
    from {{ ref('stg_decp__tabular_rows') }}
    {% if is_incremental() %}where {{ load_order('load_id') }} > {{ built }}{% endif %}
    group by source_sha256, buyer_id, contract_id

),

unioned as (

    select * from json_xml_flagged

    union all by name

    select
        *,
        cast(null as boolean) as has_social_clause,
        cast(null as boolean) as has_social_criterion,
        cast(null as boolean) as is_reserved_contract
    from tabular_contracts

),

-- The buyer identity of each distinct identifier × published name × file (a few hundred thousand nationally)
-- rather than of each of the 3.6 M records (SIRET checksums, name normalisation): the model's SQL on the national
-- records 23.6 → 14.5 CPU s. The tabular rows give a superset of their contracts' (identifier, name) pairs.
buyer_identities as (

    select
        buyer_id,
        buyer_name_published,
        source_sha256,
        {{ buyer_key('buyer_id', 'buyer_name_published', 'source_sha256') }} as buyer_key
    from (
        select buyer_id, buyer_name_published, source_sha256 from {{ ref('stg_decp__records') }}
        where buyer_id is not null
        {% if is_incremental() %}and {{ load_order('load_id') }} > {{ built }}{% endif %}
        union
        select buyer_id, buyer_name_published, source_sha256 from {{ ref('stg_decp__tabular_rows') }}
        where buyer_id is not null
        {% if is_incremental() %}and {{ load_order('load_id') }} > {{ built }}{% endif %}
    )

),

resolved as (

    select
        unioned.*,
        cpv_codes.cpv_code,
        cpv_codes.cpv_issue,
        buyers.buyer_key
    from unioned
    left join {{ ref('int_decp_cpv_codes_resolved') }} as cpv_codes using (cpv_published)
    left join buyer_identities as buyers
        on unioned.buyer_id = buyers.buyer_id
        and unioned.source_sha256 = buyers.source_sha256
        and unioned.buyer_name_published is not distinct from buyers.buyer_name_published

)

select
    *,
    -- Completeness: the number of core fields present, used to choose between equally recent duplicates.
    cast(contract_object is not null as integer) + cast(cpv_code is not null as integer)
    + cast(procedure is not null as integer) + cast(duration_months is not null as integer)
    + cast(notification_date is not null as integer) + cast(amount_eur is not null as integer)
    + cast(nature is not null as integer) + cast(execution_place_code is not null as integer)
    + cast(social_considerations_known as integer) as completeness_score
from resolved
