{#- SIRET validity, the same rule as python-stdnum: 14 digits and the Luhn checksum; La Poste SIRETs
    (SIREN 356000000) use the sum of their digits modulo 5. `value` must already be trimmed text. -#}
{% macro is_valid_siret(value) -%}
    case
        when not regexp_full_match(coalesce({{ value }}, ''), '[0-9]{14}') then false
        when left({{ value }}, 9) = '356000000' and {{ value }} <> '35600000000048'
            then list_sum(list_transform(string_split({{ value }}, ''), lambda d: try_cast(d as integer))) % 5 = 0
        else list_sum(list_transform(
                string_split({{ value }}, ''),
                lambda d, i: case
                    when i % 2 = 1
                        then try_cast(d as integer) * 2 - case when try_cast(d as integer) * 2 > 9 then 9 else 0 end
                    else try_cast(d as integer)
                end
             )) % 10 = 0
    end
{%- endmacro %}

{#- SIRET as published, trimmed, spaces and dots removed (SIRETs are often written "123 456 789 00012"). -#}
{% macro clean_siret(value) -%}
    nullif(regexp_replace(trim(cast({{ value }} as varchar)), '[\s.]', '', 'g'), '')
{%- endmacro %}
