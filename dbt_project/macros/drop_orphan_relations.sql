{#- A model renamed or moved to another schema leaves its former table behind in an existing warehouse, where
    it would stay stale and be read (the analysts' snapshot copies every table of marts and audit). After each
    run (on-run-end), every table or view of a model schema that no model of the project builds is dropped. -#}
{% macro drop_orphan_relations() %}
    {%- if execute -%}
        {%- set built = [] -%}
        {%- set schemas = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- do built.append(node.schema ~ '.' ~ node.alias) -%}
            {%- if node.schema not in schemas %}{% do schemas.append(node.schema) %}{% endif -%}
        {%- endfor -%}
        {%- set existing = run_query(
            "select table_schema, table_name, table_type from information_schema.tables "
            ~ "where table_catalog = current_database() and table_schema in ('" ~ schemas | join("', '") ~ "')"
        ) -%}
        {%- for schema, name, kind in existing.rows if schema ~ '.' ~ name not in built -%}
            {%- do log('dropping ' ~ schema ~ '.' ~ name ~ ': no model builds it any more', info=true) -%}
            {%- set relation = '"' ~ schema ~ '"."' ~ name ~ '"' -%}
            {%- do run_query('drop ' ~ ('view' if kind == 'VIEW' else 'table') ~ ' if exists ' ~ relation) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
