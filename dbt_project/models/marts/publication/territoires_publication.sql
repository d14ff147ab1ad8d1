{#- The territories the open data publishes, for every Île-de-France commune code the facts can hold (COM, ARM,
    COMD, COMA): one row per commune code × territory containing it. Arrondissements and former communes count in
    their current commune (Paris is one commune, 75056). Levels: region, departement, ept (Métropole du Grand
    Paris, Paris = 75056), commune, and `morceau`: the part of a département lying in one EPT (or outside every
    EPT) when that part is no published territory, i.e. the EPT straddles two départements (Boucle Nord de Seine,
    Grand-Orly Seine Bièvre) or the département has communes both inside and outside the EPT. The pieces are
    never published; statistical secrecy needs them to see that a département adds up from its pieces. -#}
with geography as (

    select * from {{ ref('dim_geography') }}

),

codes as (

    select
        code.commune_code,
        current_commune.commune_code as current_code,
        current_commune.commune_name as current_name,
        current_commune.region_code,
        current_commune.region_name,
        current_commune.departement_code,
        current_commune.departement_name,
        current_commune.ept_code,
        current_commune.ept_name
    from geography as code
    inner join geography as current_commune
        on current_commune.commune_code = case
            when code.commune_type in ('ARM', 'COMD', 'COMA') then code.parent_commune_code else code.commune_code
        end
    where code.is_ile_de_france and current_commune.is_ile_de_france

),

pieces as (

    select distinct departement_code, ept_code from codes

),

straddling_epts as (

    select ept_code from pieces where ept_code is not null group by ept_code having count(*) > 1

),

split_departements as (

    select departement_code from pieces group by departement_code having count(*) > 1

),

hidden_pieces as (

    select pieces.departement_code, pieces.ept_code
    from pieces
    where pieces.ept_code in (select ept_code from straddling_epts)
        or (pieces.ept_code is null and pieces.departement_code in (select departement_code from split_departements))

),

memberships as (

    select
        codes.commune_code as code_commune,
        t.territory.niveau_territoire,
        t.territory.code_territoire,
        t.territory.nom_territoire
    from codes
    left join hidden_pieces
        on hidden_pieces.departement_code = codes.departement_code
        and hidden_pieces.ept_code is not distinct from codes.ept_code
    cross join unnest([
        {'niveau_territoire': 'region', 'code_territoire': codes.region_code, 'nom_territoire': codes.region_name},
        {'niveau_territoire': 'departement', 'code_territoire': codes.departement_code,
         'nom_territoire': codes.departement_name},
        {'niveau_territoire': 'ept', 'code_territoire': codes.ept_code, 'nom_territoire': codes.ept_name},
        {'niveau_territoire': 'commune', 'code_territoire': codes.current_code, 'nom_territoire': codes.current_name},
        {'niveau_territoire': 'morceau',
         'code_territoire': case when hidden_pieces.departement_code is not null
             then codes.departement_code || '|' || coalesce(codes.ept_code, 'hors EPT') end,
         'nom_territoire': null}
    ]) as t(territory)

)

select code_commune, niveau_territoire, code_territoire, nom_territoire
from memberships
where code_territoire is not null
