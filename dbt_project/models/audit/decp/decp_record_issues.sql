-- Every value of a published DECP record that could not be used as published, one row per record × field,
-- with the published value and the reason in French (for the data stewards and the data-quality page).
-- The record itself is kept (fct_contracts carries validity flags); this table says what was wrong.
-- Incremental (macros/incremental.sql): a record's issues depend on the record as published (its holders and
-- modifications are published inside it) and on rules that do not change with the day (macros/decp_checks.sql)
-- or that rebuild the table when they change (the seeds and the CPV nomenclature: its fingerprint), so a refresh
-- appends the issues of the records loaded since the last build.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
{%- set built = last_built_load_id('load_id') if is_incremental() else none %}

with records as (

    select
        {{ decp_record_key('source_sha256', 'record_type', 'record_index') }} as record_key,
        source_file,
        record_index,
        buyer_id,
        notification_date_published,
        notification_date,
        publication_date_published,
        publication_date,
        amount_published,
        amount_eur,
        duration_published,
        duration_months,
        cpv_published,
        nature,
        procedure,
        social_considerations_published,
        social_consideration_keys,
        buyer_name_published,
        contract_object,
        holders_json,
        text_repairs,
        load_id
    from {{ ref('stg_decp__records') }}
    where true {{- and_loaded_after('load_id', built) }}

),

tabular_rows as (

    select
        {{ decp_record_key('source_sha256', "'tabular'", 'row_index') }} as record_key,
        source_file,
        row_index as record_index,
        buyer_id,
        notification_date_published,
        notification_date,
        cast(null as varchar) as publication_date_published,
        cast(null as date) as publication_date,
        amount_published,
        amount_eur,
        duration_published,
        duration_months,
        cpv_published,
        cast(null as varchar) as nature,
        procedure,
        cast(null as varchar[]) as social_considerations_published,
        cast(null as varchar[]) as social_consideration_keys,
        buyer_name_published,
        cast(null as varchar) as contract_object,
        cast(null as json) as holders_json,
        cast(null as varchar) as text_repairs,
        load_id
    from {{ ref('stg_decp__tabular_rows') }}
    where true {{- and_loaded_after('load_id', built) }}

),

all_records as (

    select * from records
    union all
    select * from tabular_rows

),

-- the buyer identifier rule (a regular expression and two Luhn keys) once per distinct identifier (NULL included),
-- not per record
buyer_id_issues as (

    select buyer_id, {{ buyer_id_issue('buyer_id') }} as issue
    from (select distinct buyer_id from all_records) as buyer_ids

),

-- every rule on a record's own values, read in one pass over the records: a list of (field, published value,
-- issue) per record, of which the issues found are kept
record_values_checked as (

    select
        record_key,
        source_file,
        record_index,
        load_id,
        list_filter([
            {
                'field': 'dateNotification',
                'published_value': notification_date_published,
                'issue': case
                    when notification_date_published is null then 'date de notification absente'
                    when notification_date is null then 'date de notification illisible'
                    else {{ notification_date_issue('notification_date', 'load_id') }}
                end
            },
            {
                'field': 'datePublicationDonnees',
                'published_value': publication_date_published,
                'issue': case
                    when publication_date_published is not null and publication_date is null
                        then 'date de publication illisible'
                    when publication_date > {{ received_on('load_id') }} then 'date de publication dans le futur'
                end
            },
            {
                'field': 'montant',
                'published_value': amount_published,
                'issue': {{ amount_anomaly_reason('amount_eur') }}
            },
            {
                'field': 'dureeMois',
                'published_value': duration_published,
                'issue': case
                    when duration_published is null then 'durée absente'
                    when duration_months is null then 'durée illisible'
                    else {{ duration_issue('duration_months') }}
                end
            },
            {
                'field': 'acheteur.id',
                'published_value': all_records.buyer_id,
                'issue': buyer_id_issues.issue
            },
            {
                'field': 'datePublicationDonnees',
                'published_value': publication_date_published,
                'issue': {{ publication_date_issue('publication_date', 'notification_date') }}
            },
            {
                'field': 'objet',
                'published_value': contract_object,
                'issue': {{ lost_characters_issue('contract_object') }}
            },
            {
                'field': 'acheteur.nom',
                'published_value': buyer_name_published,
                'issue': {{ lost_characters_issue('buyer_name_published') }}
            },
            {
                'field': 'titulaires',
                'published_value': null,
                'issue': case when json_array_length(holders_json) > 0 and not {{ holders_identified('holders_json') }}
                    then 'aucun titulaire identifié dans la liste : titulaire inconnu' end
            },
            {
                'field': 'codeCPV',
                'published_value': cpv_published,
                'issue': case when cpv_published is null then 'code CPV absent' else cpv_codes.cpv_issue end
            },
            {
                'field': 'nature',
                'published_value': nature,
                'issue': case when nature is not null and not list_contains(labels.nature_labels, nature)
                    then 'nature inconnue de la nomenclature' end
            },
            {
                'field': 'procedure',
                'published_value': procedure,
                'issue': case when procedure is not null and not list_contains(labels.procedure_labels, procedure)
                    then 'procédure inconnue de la nomenclature' end
            },
            {
                'field': 'considerationsSociales',
                'published_value': array_to_string(social_considerations_published, ' | '),
                'issue': case when len(social_consideration_keys) > 0 and not list_has_any(
                        social_consideration_keys,
                        {{ social_consideration_keys() }}
                    ) then 'considérations sociales illisibles: information inconnue' end
            }
        ], lambda checked: checked.issue is not null) as found
    from all_records
    left join buyer_id_issues on all_records.buyer_id is not distinct from buyer_id_issues.buyer_id
    left join {{ ref('int_decp_cpv_codes_resolved') }} as cpv_codes using (cpv_published)
    cross join (
        select
            coalesce(list(label) filter (where field = 'nature'), []) as nature_labels,
            coalesce(list(label) filter (where field = 'procedure'), []) as procedure_labels
        from {{ ref('decp_enum_labels') }}
    ) as labels

),

issues as (

    select record_key, source_file, record_index, found.field, found.published_value, found.issue, load_id
    from (
        select record_key, source_file, record_index, load_id, unnest(found) as found from record_values_checked
    ) as checked

    union all

    select record_key, source_file, record_index, repair.field, repair.published,
        'texte mal décodé (UTF-8 lu comme Latin-1/Windows-1252) réparé : ' || repair.repaired,
        load_id
    from (
        select
            {{ decp_record_key('source_sha256', 'record_type', 'record_index') }} as record_key,
            source_file,
            record_index,
            unnest(from_json(text_repairs, '[{"field": "VARCHAR", "published": "VARCHAR", "repaired": "VARCHAR"}]'))
                as repair,
            load_id
        from {{ ref('stg_decp__records') }}
        where text_repairs is not null {{- and_loaded_after('load_id', built) }}
    ) as repairs

    union all

    select
        {{ decp_record_key('holders.source_sha256', 'holders.record_type', 'holders.record_index') }},
        records.source_file, holders.record_index, 'titulaires[' || holders.holder_position || ']',
        cast(null as varchar),
        case
            when not holders.is_well_formed then 'titulaire mal formé (pas un objet): ignoré'
            when holders.holder_id is null then 'titulaire sans identifiant: ignoré'
            when {{ is_placeholder_identifier('holders.holder_id') }}
                then 'identifiant du titulaire de remplissage (chiffre répété ou suite 123456789)'
        end,
        records.load_id
    from {{ ref('stg_decp__holders') }} as holders
    inner join {{ ref('stg_decp__records') }} as records
        using (source_sha256, record_type, record_index)
    where true {{- and_loaded_after('holders.load_id', built) }}
        {{- and_loaded_after('records.load_id', built) }}

    union all

    select
        {{ decp_record_key('holders.source_sha256', 'holders.record_type', 'holders.record_index') }},
        records.source_file, holders.record_index,
        'titulaires[' || holders.holder_position || '].denominationSociale',
        holders.holder_name_published,
        {{ lost_characters_issue('holders.holder_name_published') }},
        records.load_id
    from {{ ref('stg_decp__holders') }} as holders
    inner join {{ ref('stg_decp__records') }} as records
        using (source_sha256, record_type, record_index)
    where true {{- and_loaded_after('holders.load_id', built) }}
        {{- and_loaded_after('records.load_id', built) }}

    union all

    select
        {{ decp_record_key('modifications.source_sha256', 'modifications.record_type', 'modifications.record_index') }},
        records.source_file, modifications.record_index,
        'modifications[' || modifications.modification_position || '].titulaires',
        cast(null as varchar),
        case when modifications.is_well_formed and modifications.holders_json is not null
                and not {{ holders_identified('modifications.holders_json') }}
            then 'liste de titulaires sans identifiant : titulaires précédents conservés' end,
        records.load_id
    from {{ ref('stg_decp__modifications') }} as modifications
    inner join {{ ref('stg_decp__records') }} as records
        using (source_sha256, record_type, record_index)
    where true {{- and_loaded_after('modifications.load_id', built) }}
        {{- and_loaded_after('records.load_id', built) }}

    union all

    -- modifications of JSON/XML records and of "DECP valides" tabular files alike
    select
        modifications.record_key, records.source_file, records.record_index,
        'modifications[' || modifications.modification_position || '].dateNotificationModification',
        cast(modifications.modification_date as varchar),
        {{ modification_date_issue(
            'modifications.modification_date', 'records.notification_date', 'records.load_id'
        ) }},
        records.load_id
    from {{ ref('int_decp_modifications_unioned') }} as modifications
    inner join {{ ref('int_decp_records_unioned') }} as records using (record_key)
    where true {{- and_loaded_after('modifications.load_id', built) }}
        {{- and_loaded_after('records.load_id', built) }}

    union all

    select
        {{ decp_record_key('modifications.source_sha256', 'modifications.record_type', 'modifications.record_index') }},
        records.source_file, modifications.record_index,
        'modifications[' || modifications.modification_position || ']',
        cast(null as varchar),
        case when not modifications.is_well_formed then 'modification mal formée (pas un objet): ignorée' end,
        records.load_id
    from {{ ref('stg_decp__modifications') }} as modifications
    inner join {{ ref('stg_decp__records') }} as records
        using (source_sha256, record_type, record_index)
    where true {{- and_loaded_after('modifications.load_id', built) }}
        {{- and_loaded_after('records.load_id', built) }}

)

select record_key, source_file, record_index, field, published_value, issue, load_id
from issues
where issue is not null
