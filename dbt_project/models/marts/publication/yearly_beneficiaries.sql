{{ config(materialized='ephemeral') }}
{#- The beneficiaries of the year: distinct people with more than 0 insertion hours in a month of the year (hours
    of a known employment contract), with their hours of the year. One row per year × person. Read by
    beneficiaires_par_territoire and beneficiaires_par_qpv, so both count the same people. -#}
select
    insertion_hours.year as annee,
    insertion_hours.beneficiary_key,
    sum(insertion_hours.hours) as heures
from {{ ref('fct_insertion_hours') }} as insertion_hours
inner join {{ ref('fct_employment_contracts') }} as employment_contracts using (employment_contract_key)
where insertion_hours.hours > 0
group by insertion_hours.year, insertion_hours.beneficiary_key
