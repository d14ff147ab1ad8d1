{#- The observatory's indicators by territory × year. Territories are those of the beneficiary's residence
    (dim_beneficiary.residence_commune_code through dim_geography) at five levels: `ensemble` (every
    beneficiary, code ALL), `region`, `departement`, `ept` (Métropole du Grand Paris only, Paris = 75056) and
    `commune`; an unknown residence counts under code INCONNU (commune 00000).
    A beneficiary "in year Y" is a distinct beneficiary (beneficiary_pseudonym) with more than 0 insertion
    hours worked in at least one month of Y, all sources and employment contracts together. Characteristics
    (sex, age band at first entry, diploma level, QPV, publics, residence) are the beneficiary's, see
    dim_beneficiary. Mobility: hours whose operation lies in the same territory (same level) as the residence.
    `hours_worked_on_territory` is the other view: hours of operations located in the territory, whoever works.
    Outcomes: exits dated in Y (fct_beneficiary_outcomes) of beneficiaries residing in the territory. -#}
with hours as (

    select * from {{ ref('int_insertion_hours_attributed') }}
    where beneficiary_key is not null and hours > 0

),

beneficiaries as (

    select * from {{ ref('dim_beneficiary') }}

),

geography as (

    select * from {{ ref('dim_geography') }}

),

contracts as (

    select employment_contract_key, contract_type_code, modality_code
    from {{ ref('stg_suivi_clauses__employment_contracts') }}

),

contract_types as (

    select contract_type_code, contract_group from {{ ref('dim_employment_contract_type') }}

),

-- the family of each modality (direct hiring, placement by an ETTI, other placement, subcontracting, training)
modalities as (

    select code as modality_code, famille as modality_family from {{ ref('clauses_modalites') }}

),

operations as (

    select operation_key, commune_code from {{ ref('dim_operation') }}

),

outcomes as (

    select * from {{ ref('fct_beneficiary_outcomes') }}
    where beneficiary_key is not null

),

-- the five territory levels of a commune (NULL code = the commune is not in that territory, e.g. no EPT)
beneficiary_territories as (

    select
        beneficiaries.beneficiary_key,
        [
            {'level': 'ensemble', 'code': 'ALL', 'name': 'Ensemble des bénéficiaires'},
            {'level': 'region', 'code': coalesce(residence.region_code, 'INCONNU'),
             'name': coalesce(residence.region_name, 'Région inconnue')},
            {'level': 'departement', 'code': coalesce(residence.departement_code, 'INCONNU'),
             'name': coalesce(residence.departement_name, 'Département inconnu')},
            {'level': 'ept', 'code': residence.ept_code, 'name': residence.ept_name},
            {'level': 'commune', 'code': coalesce(residence.commune_code, '00000'),
             'name': coalesce(residence.commune_name, 'Commune inconnue')}
        ] as territories
    from beneficiaries
    left join geography as residence on residence.commune_code = beneficiaries.residence_commune_code

),

operation_territories as (

    select
        operations.operation_key,
        map {
            'ensemble': 'ALL',
            'region': place.region_code,
            'departement': place.departement_code,
            'ept': place.ept_code,
            'commune': place.commune_code
        } as codes,
        [
            {'level': 'region', 'code': place.region_code, 'name': place.region_name},
            {'level': 'departement', 'code': place.departement_code, 'name': place.departement_name},
            {'level': 'ept', 'code': place.ept_code, 'name': place.ept_name},
            {'level': 'commune', 'code': place.commune_code, 'name': place.commune_name}
        ] as territories
    from operations
    inner join geography as place on place.commune_code = operations.commune_code

),

-- One row per employment contract × year: an employment contract has one beneficiary and one operation, so
-- every count below reads these rows rather than every month of hours.
contract_years as (

    select employment_contract_key, beneficiary_key, operation_key, year, sum(hours) as hours
    from hours
    group by employment_contract_key, beneficiary_key, operation_key, year

),

contract_years_described as (

    select
        contract_years.*,
        modalities.modality_family,
        contract_types.contract_group,
        operation_territories.codes as operation_codes
    from contract_years
    semi join beneficiaries using (beneficiary_key)
    left join contracts using (employment_contract_key)
    left join contract_types using (contract_type_code)
    left join modalities using (modality_code)
    left join operation_territories using (operation_key)

),

beneficiary_territory_rows as (
    select
        beneficiary_territories.beneficiary_key,
        territory.level as territory_level,
        territory.code as territory_code,
        territory.name as territory_name
    from beneficiary_territories
    cross join unnest(beneficiary_territories.territories) as t(territory)
    where territory.code is not null
),

-- two steps: per employment contract (its beneficiary, type, modality and operation are the contract's), then
-- per beneficiary, so that beneficiaries are counted once without a distinct count over every hour row
residence_contracts as (
    select
        residence.territory_level,
        residence.territory_code,
        residence.territory_name,
        contract_years_described.year,
        contract_years_described.employment_contract_key,
        contract_years_described.beneficiary_key,
        contract_years_described.contract_group,
        contract_years_described.modality_family,
        residence.territory_level <> 'ensemble'
            and contract_years_described.operation_codes[residence.territory_level] = residence.territory_code
            as is_local,
        contract_years_described.hours,
        case when contract_years_described.operation_codes[residence.territory_level] is not null
            then contract_years_described.hours end as hours_with_known_operation_place,
        case when residence.territory_level <> 'ensemble'
            and contract_years_described.operation_codes[residence.territory_level] = residence.territory_code
            then contract_years_described.hours end as hours_local
    from contract_years_described
    inner join beneficiary_territory_rows as residence using (beneficiary_key)
),

residence_beneficiaries as (
    select
        territory_level,
        territory_code,
        year,
        beneficiary_key,
        bool_or(is_local) as is_local
    from residence_contracts
    group by territory_level, territory_code, year, beneficiary_key
),

residence_beneficiary_counts as (
    select
        residence_beneficiaries.territory_level,
        residence_beneficiaries.territory_code,
        residence_beneficiaries.year,
        count(*) as beneficiary_count,
        count(*) filter (where beneficiaries.sex = 'F') as women_count,
        count(*) filter (where beneficiaries.is_young_under_26) as young_under_26_count,
        count(*) filter (where beneficiaries.is_senior_50) as senior_50_count,
        count(*) filter (where beneficiaries.is_qpv_resident) as qpv_resident_count,
        count(*) filter (where beneficiaries.is_cap_bep_or_below is not null) as known_level_count,
        count(*) filter (where beneficiaries.is_cap_bep_or_below) as cap_bep_or_below_count,
        count(*) filter (where beneficiaries.is_long_term_unemployed) as long_term_unemployed_count,
        count(*) filter (where beneficiaries.is_rsa) as rsa_count,
        count(*) filter (where beneficiaries.is_disabled) as disabled_count,
        count(*) filter (where residence_beneficiaries.is_local) as beneficiaries_working_in_residence_territory
    from residence_beneficiaries
    inner join beneficiaries using (beneficiary_key)
    group by all
),

residence_contract_counts as (
    select
        territory_level,
        territory_code,
        min(territory_name) as territory_name,
        year,
        sum(hours) as hours_worked,
        count(*) as employment_contract_count,
        count(*) filter (where contract_group = 'permanent') as permanent_contract_count,
        count(*) filter (where contract_group = 'fixed_term') as fixed_term_contract_count,
        count(*) filter (where contract_group = 'temporary_work') as temporary_work_contract_count,
        count(*) filter (where contract_group = 'work_study') as work_study_contract_count,
        count(*) filter (where contract_group = 'training') as training_contract_count,
        count(*) filter (where modality_family = 'embauche_directe') as direct_hiring_contract_count,
        count(*) filter (where modality_family = 'mise_a_disposition_etti') as etti_contract_count,
        count(*) filter (where modality_family = 'autre_mise_a_disposition') as other_placement_contract_count,
        count(*) filter (where modality_family = 'sous_traitance') as subcontracting_contract_count,
        sum(hours) filter (where modality_family = 'embauche_directe') as direct_hiring_hours,
        sum(hours) filter (where modality_family = 'mise_a_disposition_etti') as etti_hours,
        sum(hours_with_known_operation_place) as hours_with_known_operation_place,
        sum(hours_local) as hours_worked_in_residence_territory
    from residence_contracts
    group by territory_level, territory_code, year
),

residence_indicators as (
    select
        residence_contract_counts.territory_level,
        residence_contract_counts.territory_code,
        residence_contract_counts.territory_name,
        residence_contract_counts.year,
        residence_contract_counts.hours_worked,
        residence_beneficiary_counts.beneficiary_count,
        residence_beneficiary_counts.women_count,
        residence_beneficiary_counts.young_under_26_count,
        residence_beneficiary_counts.senior_50_count,
        residence_beneficiary_counts.qpv_resident_count,
        residence_beneficiary_counts.known_level_count,
        residence_beneficiary_counts.cap_bep_or_below_count,
        residence_beneficiary_counts.long_term_unemployed_count,
        residence_beneficiary_counts.rsa_count,
        residence_beneficiary_counts.disabled_count,
        residence_contract_counts.employment_contract_count,
        residence_contract_counts.permanent_contract_count,
        residence_contract_counts.fixed_term_contract_count,
        residence_contract_counts.temporary_work_contract_count,
        residence_contract_counts.work_study_contract_count,
        residence_contract_counts.training_contract_count,
        residence_contract_counts.direct_hiring_contract_count,
        residence_contract_counts.etti_contract_count,
        residence_contract_counts.other_placement_contract_count,
        residence_contract_counts.subcontracting_contract_count,
        residence_contract_counts.direct_hiring_hours,
        residence_contract_counts.etti_hours,
        residence_contract_counts.hours_with_known_operation_place,
        residence_contract_counts.hours_worked_in_residence_territory,
        residence_beneficiary_counts.beneficiaries_working_in_residence_territory
    from residence_contract_counts
    inner join residence_beneficiary_counts using (territory_level, territory_code, year)
),

hours_by_operation_place as (

    select
        territory.level as territory_level,
        territory.code as territory_code,
        min(territory.name) as territory_name,
        contract_years_described.year,
        sum(contract_years_described.hours) as hours_worked_on_territory,
        count(distinct contract_years_described.beneficiary_key) as beneficiaries_working_on_territory
    from contract_years_described
    inner join operation_territories using (operation_key)
    cross join unnest(operation_territories.territories) as t(territory)
    where territory.code is not null
    group by all

),

outcomes_by_residence as (

    select
        territory.level as territory_level,
        territory.code as territory_code,
        min(territory.name) as territory_name,
        outcomes.exit_year as year,
        count(*) as exit_count,
        count(*) filter (where outcomes.outcome_category = 'emploi_durable') as lasting_employment_exit_count,
        count(*) filter (where outcomes.outcome_category = 'emploi_transition') as transition_employment_exit_count,
        count(*) filter (where outcomes.outcome_category = 'sortie_positive') as positive_exit_count,
        count(*) filter (where outcomes.is_dynamic_exit) as dynamic_exit_count,
        count(*) filter (where outcomes.outcome_category <> 'inconnue') as known_outcome_exit_count
    from outcomes
    inner join beneficiary_territories using (beneficiary_key)
    cross join unnest(beneficiary_territories.territories) as t(territory)
    where territory.code is not null
    group by all

),

joined as (

    select
        coalesce(residence_indicators.territory_level, hours_by_operation_place.territory_level, outcomes_by_residence.territory_level) as territory_level,
        coalesce(residence_indicators.territory_code, hours_by_operation_place.territory_code, outcomes_by_residence.territory_code) as territory_code,
        coalesce(residence_indicators.territory_name, hours_by_operation_place.territory_name, outcomes_by_residence.territory_name) as territory_name,
        coalesce(residence_indicators.year, hours_by_operation_place.year, outcomes_by_residence.year) as year,
        residence_indicators.* exclude (territory_level, territory_code, territory_name, year),
        hours_by_operation_place.hours_worked_on_territory,
        hours_by_operation_place.beneficiaries_working_on_territory,
        outcomes_by_residence.* exclude (territory_level, territory_code, territory_name, year)
    from residence_indicators
    full outer join hours_by_operation_place
        on hours_by_operation_place.territory_level = residence_indicators.territory_level
        and hours_by_operation_place.territory_code = residence_indicators.territory_code
        and hours_by_operation_place.year = residence_indicators.year
    full outer join outcomes_by_residence
        on outcomes_by_residence.territory_level = coalesce(residence_indicators.territory_level, hours_by_operation_place.territory_level)
        and outcomes_by_residence.territory_code = coalesce(residence_indicators.territory_code, hours_by_operation_place.territory_code)
        and outcomes_by_residence.year = coalesce(residence_indicators.year, hours_by_operation_place.year)

)

select
    territory_level,
    territory_code,
    territory_name,
    cast(year as integer) as year,
    cast(coalesce(hours_worked, 0) as double) as hours_worked,
    cast(coalesce(beneficiary_count, 0) as integer) as beneficiary_count,
    cast(coalesce(women_count, 0) as integer) as women_count,
    round(women_count / nullif(beneficiary_count, 0), 4) as women_share,
    cast(coalesce(young_under_26_count, 0) as integer) as young_under_26_count,
    round(young_under_26_count / nullif(beneficiary_count, 0), 4) as young_under_26_share,
    cast(coalesce(senior_50_count, 0) as integer) as senior_50_count,
    round(senior_50_count / nullif(beneficiary_count, 0), 4) as senior_50_share,
    cast(coalesce(qpv_resident_count, 0) as integer) as qpv_resident_count,
    round(qpv_resident_count / nullif(beneficiary_count, 0), 4) as qpv_resident_share,
    cast(coalesce(cap_bep_or_below_count, 0) as integer) as cap_bep_or_below_count,
    round(cap_bep_or_below_count / nullif(known_level_count, 0), 4) as cap_bep_or_below_share,
    cast(coalesce(long_term_unemployed_count, 0) as integer) as long_term_unemployed_count,
    round(long_term_unemployed_count / nullif(beneficiary_count, 0), 4) as long_term_unemployed_share,
    cast(coalesce(rsa_count, 0) as integer) as rsa_count,
    cast(coalesce(disabled_count, 0) as integer) as disabled_count,
    cast(coalesce(employment_contract_count, 0) as integer) as employment_contract_count,
    cast(coalesce(permanent_contract_count, 0) as integer) as permanent_contract_count,
    cast(coalesce(fixed_term_contract_count, 0) as integer) as fixed_term_contract_count,
    cast(coalesce(temporary_work_contract_count, 0) as integer) as temporary_work_contract_count,
    cast(coalesce(work_study_contract_count, 0) as integer) as work_study_contract_count,
    cast(coalesce(training_contract_count, 0) as integer) as training_contract_count,
    round(direct_hiring_contract_count / nullif(employment_contract_count, 0), 4) as direct_hiring_share,
    round(etti_contract_count / nullif(employment_contract_count, 0), 4) as etti_share,
    round(other_placement_contract_count / nullif(employment_contract_count, 0), 4) as other_placement_share,
    round(subcontracting_contract_count / nullif(employment_contract_count, 0), 4) as subcontracting_share,
    round(direct_hiring_hours / nullif(hours_worked, 0), 4) as direct_hiring_hours_share,
    round(etti_hours / nullif(hours_worked, 0), 4) as etti_hours_share,
    cast(case when territory_level <> 'ensemble' then coalesce(hours_worked_in_residence_territory, 0) end as double)
        as hours_worked_in_residence_territory,
    round(coalesce(hours_worked_in_residence_territory, 0) / nullif(hours_with_known_operation_place, 0), 4)
        as local_hours_share,
    cast(case when territory_level <> 'ensemble' then coalesce(beneficiaries_working_in_residence_territory, 0) end
        as integer) as beneficiaries_working_in_residence_territory,
    cast(case when territory_level <> 'ensemble' then coalesce(hours_worked_on_territory, 0) end as double)
        as hours_worked_on_territory,
    cast(case when territory_level <> 'ensemble' then coalesce(beneficiaries_working_on_territory, 0) end as integer)
        as beneficiaries_working_on_territory,
    cast(coalesce(exit_count, 0) as integer) as exit_count,
    cast(coalesce(lasting_employment_exit_count, 0) as integer) as lasting_employment_exit_count,
    cast(coalesce(transition_employment_exit_count, 0) as integer) as transition_employment_exit_count,
    cast(coalesce(positive_exit_count, 0) as integer) as positive_exit_count,
    cast(coalesce(dynamic_exit_count, 0) as integer) as dynamic_exit_count,
    round(lasting_employment_exit_count / nullif(known_outcome_exit_count, 0), 4) as lasting_employment_share,
    round(dynamic_exit_count / nullif(known_outcome_exit_count, 0), 4) as dynamic_exit_share
from joined
