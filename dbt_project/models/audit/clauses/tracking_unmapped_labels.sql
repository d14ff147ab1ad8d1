-- One row per label a tracking source wrote that its vocabulary does not know, per (source, table, field, label):
-- how many rows carry it (the field was left empty on each of them), in which files, and the line to add under
-- `tables > <table> > values > <field>` of the source's mapping (the code to complete by hand).
with issues as (

    select * from {{ ref('stg_suivi_clauses__value_issues') }}
    where issue_kind = 'libelle_inconnu'

),

mapping_files as (

    select source_name, max(mapping_file) as mapping_file
    from {{ ref('stg_suivi_clauses__load_audit') }}
    group by source_name

)

select
    issues.source_name,
    issues.table_name,
    issues.field_name,
    min(issues.column_name) as column_name,
    issues.published_value as label,
    count(*) as row_count,
    count(distinct issues.source_file) as file_count,
    min(issues.source_file) as first_file,
    min(issues.line_number) filter (where issues.source_file = (
        select min(f.source_file) from issues as f
        where f.source_name = issues.source_name and f.table_name = issues.table_name
            and f.field_name = issues.field_name and f.published_value = issues.published_value
    )) as first_line_number,
    any_value(mapping_files.mapping_file) as mapping_file,
    'tables > ' || issues.table_name || ' > values > ' || issues.field_name || ' :   "'
        || replace(issues.published_value, '"', '\"') || '": <code>' as mapping_line
from issues
left join mapping_files using (source_name)
group by issues.source_name, issues.table_name, issues.field_name, issues.published_value
