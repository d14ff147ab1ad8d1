-- Legal bases (bases juridiques) of social clauses in the Code de la commande publique.
with legal_bases as (

    select * from {{ ref('clauses_bases_juridiques') }}

)

select
    code as legal_basis_code,
    libelle as legal_basis_label,
    famille as legal_basis_family,
    ancien_article_cmp_2006 as former_article_2006
from legal_bases
