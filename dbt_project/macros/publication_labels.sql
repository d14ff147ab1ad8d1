{#- The outcome categories of an exit (outcome_category of int_exits_classified, from the seed
    clauses_situations_sortie) with their published French labels, as a relation (issue, libelle_issue), in the
    order the publications list them. -#}
{% macro outcome_category_labels() -%}
    (
        values
            ('emploi_durable', 'Emploi durable'),
            ('emploi_transition', 'Emploi de transition'),
            ('sortie_positive', 'Sortie positive'),
            ('autre_sortie', 'Autre sortie'),
            ('inconnue', 'Issue inconnue')
    ) as outcome_labels (issue, libelle_issue)
{%- endmacro %}
