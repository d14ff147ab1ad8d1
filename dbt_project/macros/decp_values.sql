{#- Parsing helpers for DECP values published as text. Invalid values become NULL; the staging models
    keep a validity flag next to each parsed value so nothing is silently dropped. -#}

{#- ISO date, possibly with a time or a timezone suffix ("2018-08-30+02:00", "2019-01-22T00:00:00"). -#}
{% macro decp_date(value) -%}
    try_cast(left(trim(cast({{ value }} as varchar)), 10) as date)
{%- endmacro %}

{#- Number written with a dot or a decimal comma, possibly with spaces as thousands separators. -#}
{% macro decp_number(value) -%}
    try_cast(replace(regexp_replace(trim(cast({{ value }} as varchar)), '[\s' || chr(160) || ']', '', 'g'), ',', '.') as double)
{%- endmacro %}

{#- The 8-digit CPV code a published code starts with (NULL when it does not), check digit and label dropped. -#}
{% macro cpv_eight_digits(value) -%}
    nullif(regexp_extract(trim({{ value }}), '^([0-9]{8})', 1), '')
{%- endmacro %}

{#- Lower-case, accent-free, single-spaced label: the key used to recognise enum spellings. -#}
{% macro enum_key(value) -%}
    nullif(regexp_replace(lower(strip_accents(trim(cast({{ value }} as varchar)))), '\s+', ' ', 'g'), '')
{%- endmacro %}

{#- Canonical label of an enum value through the seed decp_enum_labels (field, published_key, label).
    Unknown spellings keep their published text (trimmed); the staging model flags them. The field's labels are
    read once, as a map looked up by each row (a subquery correlated with each row made DuckDB materialise the
    whole staging input to join it: 9 of stg_decp__tabular_rows' 19 CPU s on the national rows). -#}
{% macro canonical_enum(field, value) -%}
    coalesce(
        (select map(list(labels.published_key), list(labels.label)) from {{ ref('decp_enum_labels') }} as labels
         where labels.field = '{{ field }}')[{{ enum_key(value) }}],
        nullif(trim(cast({{ value }} as varchar)), '')
    )
{%- endmacro %}

{#- Montant anomaly rules of the Ministry's consolidation pipeline (shared/data/decp/README.md):
    rejected if > 3 bn €, < 1 €, starting with 123456789, or one repeated digit above 100 M€. -#}
{% macro amount_anomaly_reason(amount) -%}
    case
        when {{ amount }} is null then 'montant absent ou non numérique'
        when {{ amount }} > 3e9 then 'montant supérieur à 3 milliards'
        when {{ amount }} < 1 then 'montant inférieur à 1 euro'
        when cast(floor({{ amount }}) as bigint)::varchar like '123456789%' then 'montant de remplissage 123456789'
        when {{ amount }} >= 1e8
             and length(replace(cast(floor({{ amount }}) as bigint)::varchar,
                                left(cast(floor({{ amount }}) as bigint)::varchar, 1), '')) = 0
            then 'montant fait d''un seul chiffre répété'
    end
{%- endmacro %}

{#- Normalised (enum_key) values of considerationsSociales that say something. A record whose list holds
    none of them does not tell whether the contract has a social consideration: unknown, not "no". -#}
{% macro social_consideration_keys() -%}
    ['clause sociale', 'critere social', 'marche reserve', 'concession reservee', 'pas de consideration sociale']
{%- endmacro %}

{#- Free text made comparable: lower case, no accents, punctuation as spaces, single spaces. -#}
{% macro comparable_text(value) -%}
    trim(regexp_replace(lower(strip_accents(coalesce({{ value }}, ''))), '[^a-z0-9]+', ' ', 'g'))
{%- endmacro %}
