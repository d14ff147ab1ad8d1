{#- A tracking row published more than once (the same key in two files of a source: re-exports, corrections)
    counts once: the latest published row wins, latest file (path order: exports carry their date) then last
    line. Staging models keep that row (keep_latest_tracking_row) and list the rows it replaces
    (replaced_tracking_rows); clause_tracking_issues reports them.

    The row kept for a key depends on the raw rows of that key and nothing else, and raw rows are only appended: a
    staging model that keeps the latest row per key is incremental on that key (delete+insert on it). A
    refresh recomputes the keys that rows loaded since its last build carry, from every raw row of those keys
    (where_tracking_key_touched), and replaces their rows; the other keys cannot have changed. The bound is the
    highest load id the model keeps (macros/incremental.sql): rows of a later load that lost to an earlier row
    leave it lower, and are then read again by the next refresh, to the same result. -#}
{#- `relation` is the model's published rows (one per raw row, with the key and `load_id`). -#}
{% macro where_tracking_key_touched(relation, key) -%}
    {%- if is_incremental() %}
    where {{ key }} in (
        select new_rows.{{ key }} from {{ relation }} as new_rows
        where {{ load_order('new_rows.load_id') }} > {{ last_built_load_id('load_id') }}
    )
    {%- endif %}
{%- endmacro %}

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
