{#- Identifier rules, written once and used by the staging, intermediate and mart models and the issues mart.
    `value` must already be cleaned text (clean_siret). -#}

{#- Luhn key of a string of digits: from the right, every second digit is doubled (minus 9 above 9); the sum is
    a multiple of 10. Same algorithm as stdnum.luhn for the digits alphabet. Digit i (0-based from the left) is
    doubled when an even number of digits, itself included, stand from it to the right end. -#}
{% macro luhn_ok(value) -%}
    (list_sum(list_transform(
        range(length({{ value }})),
        lambda i: case
            when (length({{ value }}) - i) % 2 = 0
                then try_cast(substr({{ value }}, i + 1, 1) as integer) * 2
                    - case when try_cast(substr({{ value }}, i + 1, 1) as integer) * 2 > 9 then 9 else 0 end
            else try_cast(substr({{ value }}, i + 1, 1) as integer)
        end
    )) % 10 = 0)
{%- endmacro %}

{#- SIREN validity exactly as python-stdnum's stdnum.fr.siren.is_valid: 9 digits and the Luhn key. -#}
{% macro is_valid_siren(value) -%}
    coalesce(regexp_full_match({{ value }}, '[0-9]{9}') and {{ luhn_ok(value) }}, false)
{%- endmacro %}

{#- SIRET validity exactly as python-stdnum's stdnum.fr.siret.is_valid (checked by tests/dbt/test_identifiers.py on
    more than 100,000 generated identifiers and on every identifier of demo_data):
      * 14 digits;
      * the Luhn key of the 14 digits, except for La Poste establishments (SIREN 356000000, head office
        35600000000048 aside), whose digits must add up to a multiple of 5;
      * and the SIREN (the first 9 digits) must pass its own Luhn key. -#}
{% macro is_valid_siret(value) -%}
    coalesce(
        regexp_full_match({{ value }}, '[0-9]{14}')
        and case
            when left({{ value }}, 9) = '356000000' and {{ value }} <> '35600000000048'
                then list_sum(list_transform(string_split({{ value }}, ''), lambda d: try_cast(d as integer))) % 5 = 0
            else {{ luhn_ok(value) }}
        end
        and {{ luhn_ok('left(' ~ value ~ ', 9)') }},
        false
    )
{%- endmacro %}

{#- Placeholder identifiers: values published to fill a mandatory field, not to identify anyone. A SIRET (or
    SIREN) is a placeholder when its SIREN part (first 9 digits) is one repeated digit (000000000, 999999999...)
    or a counting sequence (123456789, 987654321): 14 zeros, 12345678900000, 11111111111111... Some pass the
    checksum (14 zeros does): validity and placeholder are two flags. -#}
{% macro is_placeholder_identifier(value) -%}
    coalesce(
        regexp_full_match({{ value }}, '[0-9]{9}([0-9]{5})?')
        and (
            length(replace(left({{ value }}, 9), left({{ value }}, 1), '')) = 0
            or left({{ value }}, 9) in ('123456789', '987654321')
        ),
        false
    )
{%- endmacro %}

{#- Why a buyer identifier cannot identify a buyer (NULL when it can). -#}
{% macro buyer_id_issue(value) -%}
    case
        when {{ value }} is null then 'identifiant de l''acheteur absent'
        when {{ is_placeholder_identifier(value) }}
            then 'identifiant de l''acheteur de remplissage (chiffre répété ou suite 123456789)'
        when not {{ is_valid_siret(value) }}
            then 'SIRET de l''acheteur invalide (14 chiffres, clé de Luhn du SIRET et du SIREN)'
    end
{%- endmacro %}

{#- The buyer's identity used to recognise one contract across publications (fct_contracts.buyer_key):
      * a valid, non-placeholder SIRET identifies its buyer: the SIRET;
      * otherwise the identifier cannot be trusted to (14 zeros is published by unrelated buyers): the identifier
        + the buyer's normalised name (comparable_text) when a name is published (2019 format, tabular files);
      * without a name (2024 format), an invalid identifier that is not a placeholder stays the identity (a
        mistyped SIRET is still its buyer's), and a placeholder is qualified by the content hash of the file that
        published it (one publisher): the same contract republished in that file is still one contract. -#}
{% macro buyer_key(buyer_id, buyer_name, source_sha256) -%}
    case
        when {{ buyer_id }} is null then null
        when {{ is_valid_siret(buyer_id) }} and not {{ is_placeholder_identifier(buyer_id) }} then {{ buyer_id }}
        when nullif({{ comparable_text(buyer_name) }}, '') is not null
            then {{ buyer_id }} || '|' || {{ comparable_text(buyer_name) }}
        when not {{ is_placeholder_identifier(buyer_id) }} then {{ buyer_id }}
        else {{ buyer_id }} || '|fichier:' || {{ source_sha256 }}
    end
{%- endmacro %}

{#- SIRET as published, trimmed, spaces and dots removed (SIRETs are often written "123 456 789 00012"). -#}
{% macro clean_siret(value) -%}
    nullif(regexp_replace(trim(cast({{ value }} as varchar)), '[\s.]', '', 'g'), '')
{%- endmacro %}
