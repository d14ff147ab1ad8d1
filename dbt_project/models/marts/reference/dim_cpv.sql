{#- CPV codes with their hierarchy. A parent is the code cut to 2 (division), 3 (group), 4 (class) or
    5 (category) digits and zero-padded to 8; a few parents are absent from the vocabulary (label null). -#}
with cpv_codes as (
    select * from {{ ref('stg_reference__cpv_codes') }}
),

labels as (
    select cpv_code_8, label_fr from cpv_codes
),

hierarchy as (
    select
        cpv_codes.cpv_code_8,
        cpv_codes.cpv_code,
        cpv_codes.label_fr,
        cpv_codes.cpv_level,
        cpv_codes.contract_type,
        left(cpv_codes.cpv_code_8, 2) as division_code,
        case when cpv_codes.cpv_level >= 3 then left(cpv_codes.cpv_code_8, 3) end as group_code,
        case when cpv_codes.cpv_level >= 4 then left(cpv_codes.cpv_code_8, 4) end as class_code,
        case when cpv_codes.cpv_level >= 5 then left(cpv_codes.cpv_code_8, 5) end as category_code
    from cpv_codes
),

with_labels as (
    select
        hierarchy.cpv_code_8,
        hierarchy.cpv_code,
        hierarchy.label_fr,
        hierarchy.cpv_level,
        hierarchy.contract_type,
        hierarchy.division_code,
        division.label_fr as division_label_fr,
        hierarchy.group_code,
        cpv_group.label_fr as group_label_fr,
        hierarchy.class_code,
        cpv_class.label_fr as class_label_fr,
        hierarchy.category_code,
        category.label_fr as category_label_fr
    from hierarchy
    left join labels as division
        on division.cpv_code_8 = rpad(hierarchy.division_code, 8, '0')
    left join labels as cpv_group
        on cpv_group.cpv_code_8 = rpad(hierarchy.group_code, 8, '0')
    left join labels as cpv_class
        on cpv_class.cpv_code_8 = rpad(hierarchy.class_code, 8, '0')
    left join labels as category
        on category.cpv_code_8 = rpad(hierarchy.category_code, 8, '0')
),

unknown_member as (
    select
        '00000000' as cpv_code_8,
        '00000000-0' as cpv_code,
        'Code CPV inconnu' as label_fr,
        0 as cpv_level,
        cast(null as varchar) as contract_type,
        '00' as division_code,
        'Code CPV inconnu' as division_label_fr,
        cast(null as varchar) as group_code,
        cast(null as varchar) as group_label_fr,
        cast(null as varchar) as class_code,
        cast(null as varchar) as class_label_fr,
        cast(null as varchar) as category_code,
        cast(null as varchar) as category_label_fr
)

select * from with_labels
union all
select * from unknown_member
