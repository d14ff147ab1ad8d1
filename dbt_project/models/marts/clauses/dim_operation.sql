{#- Operations followed by the tracking sources, with their programme (seed clauses_programmes, matched on the
    code or on the label, case and accents ignored; unknown or absent programme = AUTRE) and maître d'ouvrage.
    project_owner_key is the normalised name of the maître d'ouvrage (lower case, no accents, single spaces):
    the key shared with the commitments (engagements_moa), which may lack the SIRET. -#}
with operations as (

    select * from {{ ref('stg_suivi_clauses__operations') }}

),

programmes as (

    select code, libelle from {{ ref('clauses_programmes') }}

),

matched as (

    select
        operations.*,
        coalesce(
            (select programmes.code from programmes
             where upper(programmes.code) = upper(replace(operations.programme_published, ' ', '_'))
                or {{ enum_key('programmes.libelle') }} = {{ enum_key('operations.programme_published') }}
             order by programmes.code limit 1),
            'AUTRE'
        ) as programme_code
    from operations

)

select
    matched.operation_key,
    matched.source_name,
    matched.source_operation_id,
    matched.operation_name,
    matched.programme_code,
    programmes.libelle as programme_label,
    matched.programme_published,
    coalesce({{ enum_key('matched.project_owner_name') }}, 'inconnu') as project_owner_key,
    matched.project_owner_name,
    matched.project_owner_siret,
    matched.commune_code,
    matched.start_date,
    matched.end_date
from matched
left join programmes on programmes.code = matched.programme_code
