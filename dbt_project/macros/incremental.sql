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

{#- ` and <load_id> > <bound>` (the rows loaded after `bound`), or nothing when `bound` is none (a full build). -#}
{% macro and_loaded_after(load_id, bound) -%}
    {%- if bound is not none %} and {{ load_order(load_id) }} > {{ bound }}{% endif -%}
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

{#- An incremental model keeps the rows of its earlier builds. Once its code changes, those rows no longer say what
    the new code computes: the model's SQL, the SQL or rows of any model or seed it reads (directly or not), or one of
    the project's macros. Nor once a nomenclature it reads changes: the files of the `raw_reference` source (CPV
    codes, geography), which are replaced, not appended to, when a new version is loaded (the content hashes of the
    files loaded are part of the fingerprint). The registries (SIRENE, SIAE lists...), refreshed every month, are
    not: no incremental model may depend on their values (fct_contracts reads only holder counts from
    fct_contract_holders). Before each run (on-run-start), each selected incremental model's fingerprint, a digest of
    all that, is compared with the one recorded when it was last selected (table
    dbt_state.incremental_model_fingerprints); when they differ, or none is recorded (a warehouse built by an earlier
    version, where the model may not even have been incremental), its table is dropped and the run builds it from
    scratch. A change of description or test rebuilds nothing. -#}
{% macro rebuild_changed_incremental_models() %}
    {%- if execute -%}
        {%- set macro_code = [] -%}
        {%- for name, value in context.items() | sort -%}
            {%- if value.macro is defined and value.macro.package_name == project_name -%}
                {%- do macro_code.append(value.macro.macro_sql) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set reference_files = {} -%}
        {%- set current = {} -%}
        {%- for node in graph.nodes.values()
                if node.resource_type == 'model' and node.config.materialized == 'incremental'
                and node.unique_id in selected_resources -%}
            {%- set walk = namespace(frontier=[node.unique_id], seen=[node.unique_id]) -%}
            {%- for _ in range(graph.nodes | length) if walk.frontier -%}
                {%- set parents = [] -%}
                {%- for child in walk.frontier -%}
                    {%- for parent in graph.nodes[child].depends_on.nodes
                            if parent in graph.nodes and parent not in walk.seen and parent not in parents -%}
                        {%- do parents.append(parent) -%}
                    {%- endfor -%}
                {%- endfor -%}
                {%- do walk.seen.extend(parents) -%}
                {%- set walk.frontier = parents -%}
            {%- endfor -%}
            {%- set code = [local_md5(macro_code | join('\n'))] -%}
            {%- for unique_id in walk.seen | sort -%}
                {%- do code.append(unique_id ~ ' ' ~ graph.nodes[unique_id].checksum.checksum) -%}
                {%- for source_id in graph.nodes[unique_id].depends_on.nodes
                        if source_id in graph.sources and graph.sources[source_id].source_name == 'raw_reference' -%}
                    {%- if source_id not in reference_files -%}
                        {#- not adapter.get_relation: listing a schema dbt has not cached opens a transaction that
                            dbt rolls back at the end of the hook, with the fingerprints recorded in it -#}
                        {%- set source = graph.sources[source_id] -%}
                        {%- call statement('reference_table', fetch_result=True, auto_begin=False) -%}
                            select count(*) from information_schema.tables
                            where table_catalog = current_database()
                                and table_schema = '{{ source.schema }}' and table_name = '{{ source.identifier }}'
                        {%- endcall -%}
                        {%- if load_result('reference_table').table.columns[0].values()[0] == 0 -%}
                            {%- do reference_files.update({source_id: 'not loaded'}) -%}
                        {%- else -%}
                            {%- call statement('reference_files', fetch_result=True, auto_begin=False) -%}
                                select coalesce(string_agg(distinct source_sha256, ' ' order by source_sha256), '')
                                from {{ source.schema }}.{{ source.identifier }}
                            {%- endcall -%}
                            {%- do reference_files.update(
                                    {source_id: load_result('reference_files').table.columns[0].values()[0]}) -%}
                        {%- endif -%}
                    {%- endif -%}
                    {%- do code.append(source_id ~ ' ' ~ reference_files[source_id]) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- do current.update({node.unique_id: local_md5(code | join('\n'))}) -%}
        {%- endfor -%}
        {%- if current -%}
            {%- set fingerprints = 'dbt_state.incremental_model_fingerprints' -%}
            {#- outside a transaction (auto_begin=False), as dbt runs its hooks: one left open here would keep the old
                catalog for the statements of the hook that ends the run -#}
            {%- call statement('fingerprints_schema', auto_begin=False) -%}
                create schema if not exists dbt_state
            {%- endcall -%}
            {%- call statement('fingerprints_table', auto_begin=False) -%}
                create table if not exists {{ fingerprints }} (
                    model_id varchar primary key, fingerprint varchar not null, recorded_at timestamp with time zone
                )
            {%- endcall -%}
            {%- call statement('recorded_fingerprints', fetch_result=True, auto_begin=False) -%}
                select model_id, fingerprint from {{ fingerprints }}
            {%- endcall -%}
            {%- set recorded = {} -%}
            {%- for model_id, fingerprint in load_result('recorded_fingerprints').table.rows -%}
                {%- do recorded.update({model_id: fingerprint}) -%}
            {%- endfor -%}
            {%- for node in graph.nodes.values() if node.unique_id in current
                    and recorded.get(node.unique_id) != current[node.unique_id] -%}
                {%- set relation = adapter.get_relation(
                        database=node.database, schema=node.schema, identifier=node.alias) -%}
                {%- if relation is not none -%}
                    {%- do log('rebuilding ' ~ relation ~ ' from scratch: '
                            ~ ('its code changed since its last build' if node.unique_id in recorded
                               else 'built by an earlier version'), info=true) -%}
                    {%- do adapter.drop_relation(relation) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- call statement('record_fingerprints', auto_begin=False) -%}
                insert or replace into {{ fingerprints }} values
                {%- for model_id, fingerprint in current.items() %}
                    ('{{ model_id }}', '{{ fingerprint }}', current_timestamp){{ ',' if not loop.last }}
                {%- endfor %}
            {%- endcall -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
