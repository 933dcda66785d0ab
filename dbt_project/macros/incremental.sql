{#- Incremental builds on DuckDB (Spark rebuilds these models as tables; every macro here renders
    nothing there). Each incremental model records, atomically with its rows (post-hooks run in
    the model's transaction), the as-of date it was built for, the last landing delivery it had
    seen and the project fingerprint flows/transform.py passes as var `project_fingerprint`. The
    next build recomputes only what changed since; flows/transform.py asks for --full-refresh when
    the fingerprint (models, macros, vars other than the as-of date, dbt version) differs. -#}

{% macro incremental_state_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier='incremental_state')) }}
{%- endmacro %}

{% macro incremental_state_prepare() -%}
    {%- if target.type == 'duckdb' -%}
        create table if not exists {{ incremental_state_relation() }} (
            model_name varchar,
            as_of_date date,
            delivery_watermark bigint,
            project_fingerprint varchar,
            built_at timestamp with time zone
        )
    {%- endif -%}
{%- endmacro %}

{% macro delivery_watermark() -%}
    {#- The last delivery in landing (delivery ids only grow: flows/ingest assigns max + 1). -#}
    (
        select max(delivered.delivery_id)
        from (
            select max(_delivery_id) as delivery_id from {{ source('landing', 'participants') }}
            union all
            select max(_delivery_id) as delivery_id from {{ source('landing', 'checkins') }}
            union all
            select max(_delivery_id) as delivery_id from {{ source('landing', 'appointments') }}
        ) as delivered
    )
{%- endmacro %}

{% macro incremental_materialization() -%}
    {#- Incremental on DuckDB; Spark rebuilds the table (its hooks below render nothing). -#}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{% macro incremental_state_record() -%}
    {%- if target.type == 'duckdb' -%}
        {%- set fingerprint = var('project_fingerprint', none) -%}
        delete from {{ incremental_state_relation() }} where model_name = '{{ this.identifier }}';
        insert into {{ incremental_state_relation() }}
        select
            '{{ this.identifier }}',
            {{ as_of_date() }},
            {{ delivery_watermark() }},
            {{ "'" ~ fingerprint ~ "'" if fingerprint else 'null' }},
            current_timestamp
    {%- endif -%}
{%- endmacro %}

{% macro previous_build() -%}
    {#- One row: the last build's delivery watermark (-1: none recorded, so every row counts as
        new) and the span of dates between its as-of date and tonight's (empty when equal):
        what is dated in it entered or left the figures. -#}
    select
        coalesce(max(delivery_watermark), -1) as watermark,
        least(coalesce(max(as_of_date), {{ as_of_date() }}), {{ as_of_date() }}) as shifted_after,
        greatest(coalesce(max(as_of_date), {{ as_of_date() }}), {{ as_of_date() }}) as shifted_until
    from {{ incremental_state_relation() }}
    where model_name = '{{ this.identifier }}'
{%- endmacro %}

{% macro changed_checkin_days() -%}
    {#- The participant-days whose answer may differ from the last build's:
        - every day holding a copy of a check-in delivered since (its old and new place: a later
          copy may move it, and its export file is the day's tie-break);
        - every day of a participant whose record was delivered since (consent, enrolment);
        - every day, and every participant's enrolment date, between the two as-of dates.
        Participants no longer enrolled (withdrawn, purged) are deleted separately. -#}
    with previous_build as (
        {{ previous_build() }}
    ),

    new_checkins as materialized (
        select distinct checkins.checkin_id
        from {{ source('landing', 'checkins') }} as checkins
        cross join previous_build
        where checkins._delivery_id > previous_build.watermark
    ),

    changed_participants as materialized (
        select distinct participants.participant_id
        from {{ source('landing', 'participants') }} as participants
        cross join previous_build
        where
            participants._delivery_id > previous_build.watermark
            or (
                participants.enrolled_on > previous_build.shifted_after
                and participants.enrolled_on <= previous_build.shifted_until
            )
    )

    select
        checkins.participant_id,
        checkins.report_date
    from {{ source('landing', 'checkins') }} as checkins
    semi join new_checkins
        on checkins.checkin_id = new_checkins.checkin_id
    union
    select
        checkins.participant_id,
        checkins.report_date
    from {{ source('landing', 'checkins') }} as checkins
    semi join changed_participants
        on checkins.participant_id = changed_participants.participant_id
    union
    select
        checkins.participant_id,
        checkins.report_date
    from {{ source('landing', 'checkins') }} as checkins
    cross join previous_build
    where
        checkins.report_date > previous_build.shifted_after
        and checkins.report_date <= previous_build.shifted_until
{%- endmacro %}

{% macro changed_checkin_days_relation() -%}
    {#- Computed once per incremental build by the pre-hook, read by the model, dropped after. -#}
    {{ return(api.Relation.create(
        database=this.database, schema=this.schema, identifier=this.identifier ~ '__changed_days'
    )) }}
{%- endmacro %}

{% macro prepare_changed_checkin_days() -%}
    {#- Pre-hook of int_checkin_answers' incremental build: find the changed days, and clear
        them and every participant no longer enrolled (withdrawn, purged) from the table. -#}
    {%- if target.type == 'duckdb' and is_incremental() -%}
        create or replace table {{ changed_checkin_days_relation() }} as
        {{ changed_checkin_days() }};
        delete from {{ this }}
        where participant_id not in (
            select enrolled.participant_id from {{ ref('int_participants_enrolled') }} as enrolled
        );
        delete from {{ this }} as answers
        using {{ changed_checkin_days_relation() }} as changed
        where
            answers.participant_id = changed.participant_id
            and answers.report_date = changed.report_date
    {%- endif -%}
{%- endmacro %}

{% macro drop_changed_checkin_days() -%}
    {%- if target.type == 'duckdb' -%}
        drop table if exists {{ changed_checkin_days_relation() }}
    {%- endif -%}
{%- endmacro %}
