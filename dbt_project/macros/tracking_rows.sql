{#- A tracking row published more than once (the same key in two files of a source: re-exports, corrections)
    counts once: the latest published row wins, latest file (path order: exports carry their date) then last
    line. Staging models keep that row (keep_latest_tracking_row) and list the rows it replaces
    (replaced_tracking_rows); clause_tracking_issues reports them. -#}
{% macro latest_tracking_row_first() -%}
    source_file desc, line_number desc
{%- endmacro %}

{% macro replaced_tracking_rows(key) -%}
    list({'source_file': source_file, 'line_number': line_number}) over (
        partition by {{ key }} order by {{ latest_tracking_row_first() }}
        rows between 1 following and unbounded following
    )
{%- endmacro %}

{% macro keep_latest_tracking_row(key) -%}
    qualify row_number() over (partition by {{ key }} order by {{ latest_tracking_row_first() }}) = 1
{%- endmacro %}
