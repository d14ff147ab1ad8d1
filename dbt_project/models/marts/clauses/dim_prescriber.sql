-- Prescribers (prescripteurs: who referred the beneficiary), from the nomenclature; INCONNU = not known.
with prescribers as (

    select * from {{ ref('clauses_prescripteurs') }}

)

select
    code as prescriber_code,
    libelle as prescriber_label,
    cast(code_asp_orienteur as varchar) as asp_referrer_code
from prescribers
