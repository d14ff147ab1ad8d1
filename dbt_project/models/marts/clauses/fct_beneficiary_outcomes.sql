-- One row per exit (sortie) of a beneficiary, with the situation at exit, six months later, and the outcome.
with exits as (

    select * from {{ ref('int_exits_classified') }}

)

select
    exit_key,
    beneficiary_key,
    participant_key,
    source_name,
    exit_date,
    cast(year(exit_date) as integer) as exit_year,
    exit_situation_code,
    exit_category,
    six_month_situation_code,
    six_month_category,
    outcome_basis,
    outcome_category,
    outcome_category = 'emploi_durable' as is_lasting_employment,
    coalesce(six_month_category = 'emploi_durable', false) as is_lasting_employment_at_six_months,
    outcome_category in ('emploi_durable', 'emploi_transition', 'sortie_positive') as is_dynamic_exit,
    source_file,
    line_number
from exits
