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

{%- set residence_columns = ['region_code', 'region_name', 'departement_code', 'departement_name', 'ept_code',
    'ept_name', 'commune_code', 'commune_name'] %}

-- the beneficiary's residence at each level (NULL EPT = the commune is in no EPT: no row at that level)
beneficiary_residences as (

    select
        beneficiaries.beneficiary_key,
        coalesce(residence.region_code, 'INCONNU') as region_code,
        coalesce(residence.region_name, 'Région inconnue') as region_name,
        coalesce(residence.departement_code, 'INCONNU') as departement_code,
        coalesce(residence.departement_name, 'Département inconnu') as departement_name,
        residence.ept_code,
        residence.ept_name,
        coalesce(residence.commune_code, '00000') as commune_code,
        coalesce(residence.commune_name, 'Commune inconnue') as commune_name
    from beneficiaries
    left join geography as residence on residence.commune_code = beneficiaries.residence_commune_code

),

-- the same, one row per level: for the indicators read per beneficiary below (hours by operation place aside)
beneficiary_territories as (

    select
        beneficiary_key,
        [
            {'level': 'ensemble', 'code': 'ALL', 'name': 'Ensemble des bénéficiaires'},
            {'level': 'region', 'code': region_code, 'name': region_name},
            {'level': 'departement', 'code': departement_code, 'name': departement_name},
            {'level': 'ept', 'code': ept_code, 'name': ept_name},
            {'level': 'commune', 'code': commune_code, 'name': commune_name}
        ] as territories
    from beneficiary_residences

),

operation_territories as (

    select
        operations.operation_key,
        place.region_code,
        place.departement_code,
        place.ept_code,
        place.commune_code,
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
        contract_types.contract_group
    from contract_years
    semi join beneficiaries using (beneficiary_key)
    left join contracts using (employment_contract_key)
    left join contract_types using (contract_type_code)
    left join modalities using (modality_code)

),

-- Each contract-year beside its beneficiary's residence and its operation's place (NULL: place unknown). A
-- beneficiary resides in one territory per level, so every count by residence territory is a sum of counts by
-- residence commune: they are counted per residence (all levels at once), then summed per level, instead of
-- repeating each row once per level.
contracts_by_residence as (

    select
        contract_years_described.*,
        residence.* exclude (beneficiary_key),
        place.commune_code is not null as is_operation_place_known,
        {%- for level in ['region', 'departement', 'ept', 'commune'] %}
        place.{{ level }}_code as operation_{{ level }}_code,
        place.{{ level }}_code = residence.{{ level }}_code as is_local_{{ level }}{{ ',' if not loop.last }}
        {%- endfor %}
    from contract_years_described
    inner join beneficiary_residences as residence using (beneficiary_key)
    left join operation_territories as place using (operation_key)

),

beneficiary_years as (

    select
        beneficiary_key,
        year,
        {%- for level in ['region', 'departement', 'ept', 'commune'] %}
        bool_or(is_local_{{ level }}) as is_local_{{ level }},
        {%- endfor %}
        {%- for column in residence_columns %}
        any_value({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from contracts_by_residence
    group by beneficiary_key, year

),

beneficiary_counts_by_residence as (

    select
        {{ residence_columns | join(', ') }},
        beneficiary_years.year,
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
        {%- for level in ['region', 'departement', 'ept', 'commune'] %}
        count(*) filter (where beneficiary_years.is_local_{{ level }}) as local_beneficiaries_{{ level }},
        {%- endfor %}
        0 as local_beneficiaries_ensemble
    from beneficiary_years
    inner join beneficiaries using (beneficiary_key)
    group by all

),

contract_counts_by_residence as (

    select
        {{ residence_columns | join(', ') }},
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
        sum(hours) filter (where is_operation_place_known) as known_place_hours_ensemble,
        {%- for level in ['region', 'departement', 'ept', 'commune'] %}
        sum(hours) filter (where operation_{{ level }}_code is not null) as known_place_hours_{{ level }},
        sum(hours) filter (where is_local_{{ level }}) as local_hours_{{ level }},
        {%- endfor %}
        cast(null as double) as local_hours_ensemble
    from contracts_by_residence
    group by all

),

{%- set levels = {
    'ensemble': ("'ALL'", "'Ensemble des bénéficiaires'"),
    'region': ('region_code', 'region_name'),
    'departement': ('departement_code', 'departement_name'),
    'ept': ('ept_code', 'ept_name'),
    'commune': ('commune_code', 'commune_name'),
} %}

residence_beneficiary_counts as (
    {%- for level, (code, name) in levels.items() %}
    select
        '{{ level }}' as territory_level,
        {{ code }} as territory_code,
        year,
        {%- for column in ['beneficiary_count', 'women_count', 'young_under_26_count', 'senior_50_count',
            'qpv_resident_count', 'known_level_count', 'cap_bep_or_below_count', 'long_term_unemployed_count',
            'rsa_count', 'disabled_count'] %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
        sum(local_beneficiaries_{{ level }}) as beneficiaries_working_in_residence_territory
    from beneficiary_counts_by_residence
    where {{ code }} is not null
    group by all
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

residence_contract_counts as (
    {%- for level, (code, name) in levels.items() %}
    select
        '{{ level }}' as territory_level,
        {{ code }} as territory_code,
        min({{ name }}) as territory_name,
        year,
        {%- for column in ['hours_worked', 'employment_contract_count', 'permanent_contract_count',
            'fixed_term_contract_count', 'temporary_work_contract_count', 'work_study_contract_count',
            'training_contract_count', 'direct_hiring_contract_count', 'etti_contract_count',
            'other_placement_contract_count', 'subcontracting_contract_count', 'direct_hiring_hours', 'etti_hours'] %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
        sum(known_place_hours_{{ level }}) as hours_with_known_operation_place,
        sum(local_hours_{{ level }}) as hours_worked_in_residence_territory
    from contract_counts_by_residence
    where {{ code }} is not null
    group by all
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

residence_indicators as (
    select
        residence_contract_counts.territory_level,
        residence_contract_counts.territory_code,
        residence_contract_counts.territory_name,
        residence_contract_counts.year,
        residence_contract_counts.hours_worked,
        residence_beneficiary_counts.* exclude (territory_level, territory_code, year,
            beneficiaries_working_in_residence_territory),
        residence_contract_counts.* exclude (territory_level, territory_code, territory_name, year, hours_worked),
        residence_beneficiary_counts.beneficiaries_working_in_residence_territory
    from residence_contract_counts
    inner join residence_beneficiary_counts using (territory_level, territory_code, year)
),

-- One row per contract-year and territory of its operation's place. Lists are unnested in the select list, not by
-- a lateral `cross join unnest(...)`, which DuckDB plans as a dependent join: on the national data, 10 s → 4 s.
operation_place_hours as (

    select
        unnest(operation_territories.territories) as territory,
        contract_years_described.year,
        contract_years_described.hours,
        contract_years_described.beneficiary_key
    from contract_years_described
    inner join operation_territories using (operation_key)

),

hours_by_operation_place as (

    select
        territory.level as territory_level,
        territory.code as territory_code,
        min(territory.name) as territory_name,
        year,
        sum(hours) as hours_worked_on_territory,
        count(distinct beneficiary_key) as beneficiaries_working_on_territory
    from operation_place_hours
    where territory.code is not null
    group by all

),

-- one row per exit and territory of the beneficiary's residence
outcome_territories as (

    select
        unnest(beneficiary_territories.territories) as territory,
        outcomes.exit_year,
        outcomes.outcome_category,
        outcomes.is_dynamic_exit
    from outcomes
    inner join beneficiary_territories using (beneficiary_key)

),

outcomes_by_residence as (

    select
        territory.level as territory_level,
        territory.code as territory_code,
        min(territory.name) as territory_name,
        exit_year as year,
        count(*) as exit_count,
        count(*) filter (where outcome_category = 'emploi_durable') as lasting_employment_exit_count,
        count(*) filter (where outcome_category = 'emploi_transition') as transition_employment_exit_count,
        count(*) filter (where outcome_category = 'sortie_positive') as positive_exit_count,
        count(*) filter (where is_dynamic_exit) as dynamic_exit_count,
        count(*) filter (where outcome_category <> 'inconnue') as known_outcome_exit_count
    from outcome_territories
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
