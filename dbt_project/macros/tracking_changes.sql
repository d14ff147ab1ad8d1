{#- What a refresh touches in the clause tracking data, for the incremental models downstream of the staging.

    The hours attribution (int_insertion_hours_attributed) and everything computed from it carry `refreshed_load_id`,
    the highest load id of its inputs when a row was computed (hours_attribution_inputs); a model compares it, or the
    load ids of the staging rows, with its own bound (`built`, last_built_load_id('refreshed_load_id'),
    macros/incremental.sql). -#}

{% macro hours_attribution_inputs() -%}
    {{ return([
        ref('stg_suivi_clauses__monthly_hours'),
        ref('stg_suivi_clauses__employment_contracts'),
        ref('stg_suivi_clauses__participants'),
        ref('stg_suivi_clauses__tracked_contracts'),
    ]) }}
{%- endmacro %}

{#- The employment contracts described again since `built`: the contract, its participant or its tracked contract
    published again. `contracts`, `participants` and `tracked_contracts` are the caller's relations (CTEs) of the three
    staging models, with their keys and `load_id`. -#}
{% macro employment_contracts_described_since(built, contracts, participants, tracked_contracts) -%}
    select employment_contract_key from {{ contracts }} where {{ load_order('load_id') }} > {{ built }}
    union
    select {{ contracts }}.employment_contract_key
    from {{ contracts }}
    inner join {{ participants }}
        on {{ participants }}.participant_key = {{ contracts }}.participant_key
        and {{ load_order(participants ~ '.load_id') }} > {{ built }}
    union
    select {{ contracts }}.employment_contract_key
    from {{ contracts }}
    inner join {{ tracked_contracts }}
        on {{ tracked_contracts }}.tracked_contract_key = {{ contracts }}.tracked_contract_key
        and {{ load_order(tracked_contracts ~ '.load_id') }} > {{ built }}
{%- endmacro %}

{#- The beneficiary-level models (one or more rows per beneficiary) are incremental on the beneficiaries a refresh
    touches. A beneficiary's rows can change when a participant record of theirs is published again, when an
    employment contract of theirs, its hours or its exits change, and also when one of those moves to another
    beneficiary: a participant published under another identity (another pseudonym), a contract moved to another
    participant. So the beneficiaries touched are those of every pseudonym ever published for the participants
    concerned (`published_beneficiary_keys` of stg_suivi_clauses__participants, from every raw row of the
    participant), through every participant ever published for the contracts concerned
    (`published_participant_keys` of stg_suivi_clauses__employment_contracts): a superset, now and before.
    A refresh deletes the rows of those beneficiaries (pre-hook, delete_touched_beneficiaries: a beneficiary left
    with no record has no row any more) and appends their rows computed again; the other rows cannot have changed.
    `built` is the model's bound (last_built_load_id('refreshed_load_id'), macros/incremental.sql). -#}

{% macro beneficiaries_of_participants(participant_keys) -%}
    select unnest(published_beneficiary_keys) as beneficiary_key
    from {{ ref('stg_suivi_clauses__participants') }}
    where participant_key in ({{ participant_keys }})
{%- endmacro %}

{% macro beneficiaries_of_employment_contracts(employment_contract_keys) -%}
    {{ beneficiaries_of_participants(
        'select unnest(published_participant_keys) from ' ~ ref('stg_suivi_clauses__employment_contracts')
        ~ ' where employment_contract_key in (' ~ employment_contract_keys ~ ')'
    ) }}
{%- endmacro %}

{#- The beneficiaries whose rows of `model_name` a refresh computes again, given the model's bound. -#}
{% macro touched_beneficiaries(model_name, built) -%}
    {%- set described_again = 'select participant_key from ' ~ ref('stg_suivi_clauses__participants')
        ~ ' where ' ~ load_order('load_id') ~ ' > ' ~ built -%}
    {%- if model_name in ('int_beneficiaries_unified', 'dim_beneficiary') -%}
        {{ beneficiaries_of_participants(described_again) }}
    {%- elif model_name == 'int_beneficiary_months_summed' -%}
        {{ beneficiaries_of_employment_contracts(
            'select employment_contract_key from ' ~ ref('int_insertion_hours_attributed')
            ~ ' where refreshed_load_id > ' ~ built
        ) }}
    {%- elif model_name == 'fct_beneficiary_paths' -%}
        {{ beneficiaries_of_participants(described_again) }}
        union
        {{ beneficiaries_of_employment_contracts(
            'select employment_contract_key from ' ~ ref('int_employment_contracts_enriched')
            ~ ' where refreshed_load_id > ' ~ built
        ) }}
        union
        {{ beneficiaries_of_participants(
            'select participant_key from ' ~ ref('stg_suivi_clauses__exits')
            ~ ' where ' ~ load_order('load_id') ~ ' > ' ~ built
        ) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('touched_beneficiaries: no rule for model ' ~ model_name) }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a beneficiary-level incremental model: its rows of the beneficiaries a refresh touches. -#}
{% macro delete_touched_beneficiaries() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where beneficiary_key in ({{ touched_beneficiaries(this.identifier, last_built_load_id('refreshed_load_id')) }})
    {%- endif -%}
{%- endmacro %}
