{#- A source table, or an empty relation with its columns when the load has not created it yet (dlt creates a
    table only when rows arrive: a warehouse fed only JSON files has no tabular table). Listed columns the table
    does not have yet (dlt adds a column when a file first brings it) are NULL. Columns are text;
    `record_index`/`row_index` are integers. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set existing = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier) if execute else relation -%}
    {%- if execute and existing is none -%}
        (select
        {%- for column in columns %}
            cast(null as {{ 'bigint' if column in ('record_index', 'row_index') else 'varchar' }}) as {{ column }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
        where false)
    {%- else -%}
        {%- set present = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list
            if execute else columns -%}
        {%- set missing = columns | reject('in', present) | list -%}
        {%- if missing -%}
            (select *
            {%- for column in missing %}, cast(null as varchar) as {{ column }}{% endfor %}
            from {{ relation }})
        {%- else -%}
            {{ relation }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
