{#- The open-data set parcours_beneficiaires before statistical secrecy: the paths of the beneficiaries (one path
    per person) from their public at entry, through the family of their first employment contract, to their
    situation six months after their last exit; by year of first entry and territory of residence (region,
    departement, ept and hidden pieces of territoires_publication, as sorties_par_territoire).

    Each person is counted once per territory: public_entree is the first of their eligibility publics in the
    order of `publics` below (the furthest from employment first; AUCUN without any), famille_contrat the family
    (seed clauses_types_contrats) of the first contract of the path (SANS_CONTRAT without any, INCONNU for a type
    the nomenclature does not know), issue_six_mois the category of the situation six months after the last exit
    (inconnue when it is not known, sans_sortie before any exit).

    Rows are the margins of the public × family × outcome table that a flow diagram (Sankey) shows, `ensemble`
    standing for all values of a column: the flows public → family (issue_six_mois = ensemble) and family → outcome
    (public_entree = ensemble), the nodes (one column other than ensemble) and the total (all three ensemble).
    Only non-zero cells are rows. -#}
with publics as (

    select * from (
        values
            ('TH', 1), ('MINIMA_RSA', 2), ('MINIMA_AUTRES', 3), ('DELD', 4), ('JEUNE_26', 5), ('SENIOR_50', 6),
            ('SIAE', 7), ('QPV', 8), ('AUTRE_VALIDE', 9)
    ) as publics (code, priority)

),

territories as (

    select * from {{ ref('territoires_publication') }} where niveau_territoire <> 'commune'

),

contract_families as (

    select
        code as contract_type_code,
        upper(replace(strip_accents(famille), ' ', '_')) as famille_contrat,
        upper(left(famille, 1)) || substr(famille, 2) as libelle_famille_contrat
    from {{ ref('clauses_types_contrats') }}

),

main_publics as (

    select beneficiaries.beneficiary_key, arg_min(publics.code, publics.priority) as public_entree
    from {{ ref('dim_beneficiary') }} as beneficiaries
    cross join unnest(string_split(beneficiaries.public_codes, '|')) as codes (code)
    inner join publics on publics.code = codes.code
    group by all

),

first_contracts as (

    select
        contracts.beneficiary_key,
        coalesce(contract_families.famille_contrat, 'INCONNU') as famille_contrat
    from {{ ref('fct_employment_contracts') }} as contracts
    left join contract_families using (contract_type_code)
    where contracts.contract_rank_in_path = 1

),

last_exits as (

    select beneficiary_key, arg_max(coalesce(six_month_category, 'inconnue'), (exit_date, exit_key)) as issue_six_mois
    from {{ ref('fct_beneficiary_outcomes') }}
    where beneficiary_key is not null
    group by beneficiary_key

),

paths as (

    select
        beneficiaries.beneficiary_key,
        beneficiaries.residence_commune_code,
        year(beneficiaries.first_entry_date) as annee,
        coalesce(main_publics.public_entree, 'AUCUN') as public_entree,
        coalesce(first_contracts.famille_contrat, 'SANS_CONTRAT') as famille_contrat,
        coalesce(last_exits.issue_six_mois, 'sans_sortie') as issue_six_mois
    from {{ ref('dim_beneficiary') }} as beneficiaries
    left join main_publics using (beneficiary_key)
    left join first_contracts using (beneficiary_key)
    left join last_exits using (beneficiary_key)
    where beneficiaries.first_entry_date is not null

),

cells as (

    select
        paths.annee,
        territories.niveau_territoire,
        territories.code_territoire,
        territories.nom_territoire,
        coalesce(paths.public_entree, 'ensemble') as public_entree,
        coalesce(paths.famille_contrat, 'ensemble') as famille_contrat,
        coalesce(paths.issue_six_mois, 'ensemble') as issue_six_mois,
        count(*) as beneficiaires
    from paths
    inner join territories on territories.code_commune = paths.residence_commune_code
    group by grouping sets (
        (paths.annee, territories.niveau_territoire, territories.code_territoire, territories.nom_territoire),
        (paths.annee, territories.niveau_territoire, territories.code_territoire, territories.nom_territoire,
            paths.public_entree),
        (paths.annee, territories.niveau_territoire, territories.code_territoire, territories.nom_territoire,
            paths.famille_contrat),
        (paths.annee, territories.niveau_territoire, territories.code_territoire, territories.nom_territoire,
            paths.issue_six_mois),
        (paths.annee, territories.niveau_territoire, territories.code_territoire, territories.nom_territoire,
            paths.public_entree, paths.famille_contrat),
        (paths.annee, territories.niveau_territoire, territories.code_territoire, territories.nom_territoire,
            paths.famille_contrat, paths.issue_six_mois)
    )

),

public_labels as (

    select code, libelle from {{ ref('clauses_publics') }}
    union all
    select 'AUCUN', 'Aucun public renseigné'

),

family_labels as (

    select distinct famille_contrat as code, libelle_famille_contrat as libelle from contract_families
    union all
    select * from (values ('SANS_CONTRAT', 'Aucun contrat de travail suivi'), ('INCONNU', 'Type de contrat inconnu'))

),

outcome_labels as (

    select issue as code, libelle_issue as libelle from {{ outcome_category_labels() }}
    union all
    select 'sans_sortie', 'Pas encore sorti'

)

select
    cast(cells.annee as integer) as annee,
    cells.niveau_territoire,
    cells.code_territoire,
    cells.nom_territoire,
    cells.public_entree,
    coalesce(public_labels.libelle, 'Ensemble') as libelle_public_entree,
    cells.famille_contrat,
    coalesce(family_labels.libelle, 'Ensemble') as libelle_famille_contrat,
    cells.issue_six_mois,
    coalesce(outcome_labels.libelle, 'Ensemble') as libelle_issue_six_mois,
    cast(cells.beneficiaires as integer) as beneficiaires
from cells
left join public_labels on public_labels.code = cells.public_entree
left join family_labels on family_labels.code = cells.famille_contrat
left join outcome_labels on outcome_labels.code = cells.issue_six_mois
