{#- DECP consistency rules, written once and used by the intermediate models, fct_contracts, fct_contract_holders
    and decp_record_issues (the GX suite reads the flags these rules produce). -#}

{#- A published list of holders (titulaires / concessionnaires) is a list of holders only when at least one of
    its entries is an object carrying an identifier: a list of field names ("typeIdentifiant", "id") or of
    objects without `id` says nothing about who holds the contract. -#}
{% macro holders_identified(holders_json) -%}
    coalesce(len(list_filter(
        json_extract_string({{ holders_json }}, '$[*].id'),
        lambda holder_id: nullif(trim(holder_id), '') is not null
    )) > 0, false)
{%- endmacro %}

{#- Order of modifications, latest last: dated modifications by date then published position; a modification
    without a readable date comes before every dated one (it never overrides a dated modification), undated
    ones by their published position. Use as the ordering value of arg_max / window functions. -#}
{% macro modification_order(modification_date, modification_position) -%}
    struct_pack(
        dated := {{ modification_date }} is not null,
        modification_date := coalesce({{ modification_date }}, date '0001-01-01'),
        modification_position := {{ modification_position }}
    )
{%- endmacro %}

{#- The key of a published record: the content hash of its file, its type (`marche`, `concession`, or `tabular`
    for a contract rebuilt from a tabular file) and its position (for a tabular contract, its first row). -#}
{% macro decp_record_key(source_sha256, record_type, record_index) -%}
    {{ source_sha256 }} || ':' || {{ record_type }} || ':' || {{ record_index }}
{%- endmacro %}

{#- Validity rules of a record's values (fct_contracts flags them, decp_record_issues says why): NULL when the
    value is valid or absent (absent and unreadable values are the reader's to name).
    A date "in the future" is one after the day the record was received (the day of its dlt load, `load_id`), not
    after today: a rule on the record as published, which the days passing do not change. A date that was in the
    future when published stays suspicious once that day has come, and the incremental models that apply these
    rules give, month after month, what a full rebuild gives. -#}
{% macro received_on(load_id) -%}
    cast(to_timestamp(cast({{ load_id }} as double)) as date)
{%- endmacro %}

{% macro notification_date_issue(notification_date, load_id) -%}
    case
        when {{ notification_date }} < date '1990-01-01' then 'date de notification antérieure à 1990'
        when {{ notification_date }} > {{ received_on(load_id) }} then 'date de notification dans le futur'
    end
{%- endmacro %}

{% macro duration_issue(duration_months) -%}
    case when {{ duration_months }} not between 1 and 180 then 'durée hors de 1 à 180 mois' end
{%- endmacro %}

{#- Dates that cannot be true. -#}
{% macro publication_date_issue(publication_date, notification_date) -%}
    case
        when {{ publication_date }} < {{ notification_date }}
            then 'données publiées avant la notification du contrat'
    end
{%- endmacro %}

{% macro modification_date_issue(modification_date, notification_date, load_id) -%}
    case
        when {{ modification_date }} > {{ received_on(load_id) }} then 'modification datée dans le futur'
        when {{ modification_date }} < {{ notification_date }} then 'modification datée avant la notification du contrat'
    end
{%- endmacro %}

{#- The repaired text of `field` ('objet', 'acheteur.nom', 'titulaires[n].denominationSociale') in a record's
    text_repairs (raw_decp.decp_records: mojibake repaired with ftfy at load time, dlt_sources/decp/text_repair.py),
    NULL when that field was not repaired. -#}
{% macro repaired_text(text_repairs, field) -%}
    list_filter(
        from_json({{ text_repairs }}, '[{"field": "VARCHAR", "published": "VARCHAR", "repaired": "VARCHAR"}]'),
        lambda repair: repair.field = {{ field }}
    )[1].repaired
{%- endmacro %}

{#- Text damaged in encoding: U+FFFD (the replacement character) stands for characters lost when the text was
    decoded with the wrong encoding; they cannot be recovered. -#}
{% macro has_lost_characters(value) -%}
    coalesce(contains({{ value }}, chr(65533)), false)
{%- endmacro %}

{% macro lost_characters_issue(value) -%}
    case when {{ has_lost_characters(value) }}
        then 'caractères perdus (U+FFFD) : texte endommagé à la publication, irréparable' end
{%- endmacro %}

{#- A holder's identifier type: as published, else SIRET for 14 digits. -#}
{% macro holder_id_type(holder_id_type, holder_id) -%}
    coalesce({{ holder_id_type }}, case when regexp_full_match({{ holder_id }}, '[0-9]{14}') then 'SIRET' end)
{%- endmacro %}
