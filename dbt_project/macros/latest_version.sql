{#- The one latest-version rule. Every model that picks among versions of a record calls
    latest_version; portability/windows.sql (latest_rows) only carries out the pick per engine.

    Records of an export (EXPORTS.md): the highest updated_at; on a tie the file with the later
    export date (then the later delivery of it: a re-delivered file is a new delivery), then the
    later row in that file. A check-in has no updated_at and never changes once sent: its copies
    are the same, and the one of the latest file is kept. A day's answer (METRICS.md): of a
    participant's check-ins for one report_date, the latest submitted_at; on a tie the later
    export file, then the greater checkin_id. -#}

{% macro latest_version_rule(entity) -%}
    {#- key: what one latest version stands for; order_by: compared in turn, greatest wins;
        columns: what the pick returns (the landing columns staging types). -#}
    {%- set file_order = ['_export_date', '_delivery_id', '_row_number'] -%}
    {%- set rules = {
        'participants': {
            'key': ['participant_id'],
            'order_by': ['updated_at'] + file_order,
            'columns': [
                'participant_id', 'enrolled_on', 'sex_at_birth', 'age_band', 'state', 'care_track',
                'baseline_audit_c', 'discharged_on', 'discharge_reason', 'data_sharing_consent',
                'updated_at', '_export_date'
            ],
        },
        'appointments': {
            'key': ['appointment_id'],
            'order_by': ['updated_at'] + file_order,
            'columns': [
                'appointment_id', 'participant_id', 'appointment_type', 'scheduled_start',
                'duration_minutes', 'status', 'cancelled_by', 'modality', 'updated_at'
            ],
        },
        'checkins': {
            'key': ['checkin_id'],
            'order_by': file_order,
            'columns': [
                'checkin_id', 'participant_id', 'report_date', 'submitted_at', 'standard_drinks',
                'craving_score', 'took_medication', '_export_date', '_delivery_id'
            ],
        },
        'checkin_answers': {
            'key': ['participant_id', 'report_date'],
            'order_by': ['submitted_at', 'export_date', 'delivery_id', 'checkin_id'],
            'columns': [
                'participant_id', 'report_date', 'checkin_id', 'submitted_at', 'standard_drinks',
                'craving_score', 'took_medication'
            ],
        },
    } -%}
    {%- if entity not in rules -%}
        {{ exceptions.raise_compiler_error("latest_version: no rule for '" ~ entity ~ "'") }}
    {%- endif -%}
    {{ return(rules[entity]) }}
{%- endmacro %}

{% macro latest_version(entity, relation) -%}
    {#- The latest version of each record of `entity` among the rows of `relation` (landing, or
        a subset of it with the same columns; for checkin_answers, typed check-ins). -#}
    {%- set rule = latest_version_rule(entity) -%}
    {{ latest_rows(rule['columns'], relation, rule['key'], rule['order_by']) }}
{%- endmacro %}
