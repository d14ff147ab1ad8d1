{#- Exits (sorties) classified with the official rules, through the category of seed clauses_situations_sortie:
      emploi_durable     lasting employment: CDI, CDD or temporary work of 6 months or more, business creation,
                         civil service;
      emploi_transition  transition employment: CDD or temporary work under 6 months, subsidised contract;
      sortie_positive    positive exit: qualifying training, hiring by another SIAE;
      autre_sortie       unemployment, inactivity; inconnue: unknown situation.
    The outcome is the situation six months after the exit when it is known (not NULL, not of category
    inconnue), else the situation at exit. "Sortie dynamique" = emploi_durable, emploi_transition or
    sortie_positive. Codes absent from the nomenclature are classified inconnue. -#}
with exits as (

    select * from {{ ref('stg_suivi_clauses__exits') }}

),

participants as (

    select participant_key, beneficiary_key from {{ ref('stg_suivi_clauses__participants') }}

),

situations as (

    select code, categorie from {{ ref('clauses_situations_sortie') }}

),

classified as (

    select
        exits.exit_key,
        exits.participant_key,
        participants.beneficiary_key,
        exits.source_name,
        exits.exit_date,
        exits.exit_situation_code,
        coalesce(at_exit.categorie, 'inconnue') as exit_category,
        exits.six_month_situation_code,
        case when exits.six_month_situation_code is not null
            then coalesce(at_six_months.categorie, 'inconnue')
        end as six_month_category,
        exits.source_file,
        exits.line_number
    from exits
    left join participants using (participant_key)
    left join situations as at_exit on at_exit.code = exits.exit_situation_code
    left join situations as at_six_months on at_six_months.code = exits.six_month_situation_code

)

select
    *,
    case when coalesce(six_month_category, 'inconnue') <> 'inconnue' then 'six_months' else 'exit' end
        as outcome_basis,
    case when coalesce(six_month_category, 'inconnue') <> 'inconnue' then six_month_category else exit_category end
        as outcome_category,
    coalesce(six_month_category, 'inconnue') <> 'inconnue' as is_six_month_situation_known
from classified
