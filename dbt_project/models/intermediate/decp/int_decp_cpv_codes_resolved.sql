-- Every distinct CPV code published in DECP records (JSON/XML and tabular), read against the CPV 2008 vocabulary:
--   * 8 leading digits: the code (kept even when CPV 2008 does not know it, flagged distinctly);
--   * 7 digits (optionally with a check digit), the leading zero lost by a spreadsheet or a number column:
--     zero-padded when the padded code exists in CPV 2008 (flagged "zéro initial restauré"), unreadable otherwise;
--   * anything else: unreadable (cpv_code NULL).
-- The one place of the CPV rule: int_decp_records_unioned takes cpv_code from here, decp_record_issues the issue.
with published as (

    select distinct cpv_published from {{ ref('stg_decp__records') }}
    union
    select distinct cpv_published from {{ ref('stg_decp__tabular_rows') }}

),

cpv_2008 as (

    select distinct cpv_code_8 from {{ ref('stg_reference__cpv_codes') }}

),

parsed as (

    select
        cpv_published,
        {{ cpv_eight_digits('cpv_published') }} as eight_digits,
        case when regexp_full_match(trim(cpv_published), '[0-9]{7}(-[0-9])?')
            then '0' || left(trim(cpv_published), 7) end as zero_padded
    from published
    where cpv_published is not null

)

select
    parsed.cpv_published,
    case
        when parsed.eight_digits is not null then parsed.eight_digits
        when padded.cpv_code_8 is not null then parsed.zero_padded
    end as cpv_code,
    case
        when parsed.eight_digits is not null and known.cpv_code_8 is null then 'code CPV absent du CPV 2008'
        when parsed.eight_digits is not null then null
        when padded.cpv_code_8 is not null then 'code CPV à 7 chiffres : zéro initial restauré'
        else 'code CPV illisible'
    end as cpv_issue
from parsed
left join cpv_2008 as known on known.cpv_code_8 = parsed.eight_digits
left join cpv_2008 as padded on padded.cpv_code_8 = parsed.zero_padded
