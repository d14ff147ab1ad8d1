{#- Incremental models: a monthly refresh pays for what is new, not for the whole history.

    Raw rows carry the id of the dlt load that wrote them: the start time of the load in seconds, as text
    ("1795878104.5645125"), compared as a number (load_order). An incremental model knows up to which load
    its rows are computed (the highest load id it holds, in `load_id` or in `refreshed_load_id`); rows loaded
    after its last build are those above it. The bound is read once, when the model is compiled, and written
    into the SQL as a constant, so DuckDB filters the raw scans with it before any parsing or join.
    A model built from scratch (first build, `dbt build --full-refresh`) computes every row. -#}

{% macro load_order(column) -%}
    cast({{ column }} as decimal(20, 7))
{%- endmacro %}

{#- The highest load id held by this model in `column` (0 when empty), as a SQL constant. -#}
{% macro last_built_load_id(column='load_id') -%}
    {%- if execute -%}
        {%- set bound = run_query(
            'select coalesce(max(' ~ load_order(column) ~ '), 0) from ' ~ this).columns[0].values()[0] -%}
        {{ load_order("'" ~ bound ~ "'") }}
    {%- else -%}
        {{ load_order("'0'") }}
    {%- endif -%}
{%- endmacro %}

{#- The highest load id among the load ids of the given relations (the inputs of a model): written in
    `refreshed_load_id` by the rows this build computes. -#}
{% macro latest_load_id(relations) -%}
    (select max(load_id) from (
        {%- for relation in relations %}
        select max({{ load_order('load_id') }}) as load_id from {{ relation }}
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ))
{%- endmacro %}

{#- A model made incremental in a later version finds, in a warehouse built before, a table without the load id its
    bound is read from (`load_id` or `refreshed_load_id`): it could not tell which rows it holds. Before each run
    (on-run-start), such a table of a selected incremental model is dropped, and the run builds it from scratch. -#}
{% macro drop_incremental_tables_without_load_id() %}
    {%- if execute -%}
        {#- outside a transaction (auto_begin=False), as dbt runs its hooks: one left open here would keep the old
            catalog for the statements of the hook that ends the run -#}
        {%- call statement('tables_with_load_id', fetch_result=True, auto_begin=False) -%}
            select distinct table_schema || '.' || table_name from information_schema.columns
            where table_catalog = current_database() and column_name in ('load_id', 'refreshed_load_id')
        {%- endcall -%}
        {%- set with_load_id = load_result('tables_with_load_id').table.columns[0].values() -%}
        {%- for node in graph.nodes.values()
                if node.resource_type == 'model' and node.config.materialized == 'incremental'
                and node.unique_id in selected_resources -%}
            {%- set relation = adapter.get_relation(
                    database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- if relation is not none and relation.is_table
                    and node.schema ~ '.' ~ node.alias not in with_load_id -%}
                {%- do log('rebuilding ' ~ relation ~ ' from scratch: built before it was incremental',
                        info=true) -%}
                {%- do adapter.drop_relation(relation) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
