{#- The rows of beneficiaires_par_qpv of a département, an EPT or a hidden piece add up, in beneficiaries and in
    hours, to its QPV residents in beneficiaires_par_territoire (dimension residence_qpv, modalite QPV): the same
    people, what statistical secrecy relies on (the QPV rows and that total form an additive group). Returns the
    territories and years that do not add up. -#}
with qpv_rows as (

    select qpv.annee, territories.niveau_territoire, territories.code_territoire,
        sum(qpv.beneficiaires) as beneficiaires, sum(qpv.heures_realisees) as heures_realisees
    from {{ ref('beneficiaires_par_qpv') }} as qpv
    inner join {{ ref('territoires_publication') }} as territories
        on territories.code_commune = qpv.code_commune
        and territories.niveau_territoire in ('departement', 'ept', 'morceau')
    group by all

),

totals as (

    select annee, niveau_territoire, code_territoire, beneficiaires, heures_realisees
    from {{ ref('beneficiaires_par_territoire') }}
    where dimension = 'residence_qpv' and modalite = 'QPV'
        and niveau_territoire in ('departement', 'ept', 'morceau')

)

select
    annee, niveau_territoire, code_territoire,
    qpv_rows.beneficiaires as qpv_beneficiaires, totals.beneficiaires as territory_beneficiaires,
    qpv_rows.heures_realisees as qpv_hours, totals.heures_realisees as territory_hours
from qpv_rows
full outer join totals using (annee, niveau_territoire, code_territoire)
where coalesce(qpv_rows.beneficiaires, 0) <> coalesce(totals.beneficiaires, 0)
    or abs(coalesce(qpv_rows.heures_realisees, 0) - coalesce(totals.heures_realisees, 0)) > 0.01
