-- Employment-contract types (types de contrat de travail) of the nomenclature, with the lasting-employment rule.
with contract_types as (

    select * from {{ ref('clauses_types_contrats') }}

)

select
    code as contract_type_code,
    libelle as contract_type_label,
    famille as contract_family,
    case
        when code in ('CDI', 'CDI_INCLUSION') then 'permanent'
        when code in ('CTT', 'CTTI', 'MAD_AI') then 'temporary_work'
        when code in ('APPRENTISSAGE', 'PRO') then 'work_study'
        when code = 'FORMATION' then 'training'
        else 'fixed_term'
    end as contract_group,
    regle_emploi_durable as lasting_employment_rule
from contract_types
