{#- A source table, or an empty relation with its columns when the load has not created it yet (dlt creates a
    table only when rows arrive: a warehouse fed only JSON files has no tabular table). Columns are text;
    `record_index`/`row_index` are integers. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier) is none -%}
        (select
        {%- for column in columns %}
            cast(null as {{ 'bigint' if column in ('record_index', 'row_index') else 'varchar' }}) as {{ column }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
        where false)
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
