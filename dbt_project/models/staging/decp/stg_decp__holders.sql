-- One row per holder (titulaire / concessionnaire) of a published JSON/XML record, in published order.
-- Items that are not objects (broken publications such as {"titulaire": "id"}) are kept with
-- is_well_formed = false so they can be counted, never used as a company.
with records as (

    select source_sha256, record_type, record_index, holders_json
    from {{ ref('stg_decp__records') }}
    where json_array_length(holders_json) > 0

),

holders as (

    select
        source_sha256,
        record_type,
        record_index,
        unnest(json_extract(holders_json, '$[*]')) as holder_json,
        generate_subscripts(json_extract(holders_json, '$[*]'), 1) as holder_position
    from records

)

select
    source_sha256,
    record_type,
    record_index,
    holder_position,
    json_type(holder_json) = 'OBJECT' as is_well_formed,
    {{ clean_siret("holder_json ->> 'id'") }} as holder_id,
    upper(nullif(trim(holder_json ->> 'typeIdentifiant'), '')) as holder_id_type,
    nullif(trim(holder_json ->> 'denominationSociale'), '') as holder_name_published
from holders
