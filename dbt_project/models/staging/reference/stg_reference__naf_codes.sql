with source as (
    select * from {{ source('raw_reference', 'naf') }}
),

renamed as (
    select
        code_naf as naf_code,
        code_naf_sirene as naf_code_sirene,
        code_naf_sans_point as naf_code_compact,
        libelle as label_fr,
        libelle_65 as label_fr_65,
        libelle_40 as label_fr_40,
        classe as class_code,
        libelle_classe as class_label_fr,
        groupe as group_code,
        libelle_groupe as group_label_fr,
        division as division_code,
        libelle_division as division_label_fr,
        section as section_code,
        libelle_section as section_label_fr,
        source_file,
        source_sha256,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
