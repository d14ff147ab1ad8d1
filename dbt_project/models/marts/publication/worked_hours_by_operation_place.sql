{{ config(materialized='ephemeral') }}
{#- Insertion hours worked (more than 0) in every published territory of their operation's commune
    (territoires_publication, hidden pieces included): one row per month of hours × territory. Hours of operations
    with no known place are in no territory. Read by heures_par_territoire_mois and heures_prevues_realisees. -#}
select
    insertion_hours.year as annee,
    month(insertion_hours.month_date) as mois,
    insertion_hours.beneficiary_key,
    insertion_hours.hours,
    territories.niveau_territoire,
    territories.code_territoire
from {{ ref('fct_insertion_hours') }} as insertion_hours
inner join {{ ref('dim_operation') }} as operations using (operation_key)
inner join {{ ref('territoires_publication') }} as territories on territories.code_commune = operations.commune_code
where insertion_hours.hours > 0
