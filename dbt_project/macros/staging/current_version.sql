{#-
    Pick the current version of every record: one row per primary key.

    The source extracts are deltas, so one record shows up in many files
    (docs/contract/sources.md "Files and deliveries"). The version that counts is the one
    with the greatest `updated_at`; ties go to the later file (extract date,
    then delivery sequence), then to the later row in that file. `_loaded_at`
    is a last, deterministic tie-breaker: a corrected file re-delivered under
    the same name has the same date/sequence, and its (later) load must win.

    Immutable tables (pbx.calls, no `updated_at`) keep the FIRST delivery: a
    key seen again is a re-delivery of the same record, not a new version.

    Kept in one place so every staging model (table or incremental) ranks
    versions identically; written with a window function (no QUALIFY) and
    explicit NULLS LAST so it means the same on DuckDB and PostgreSQL.

    Returns a select of every column of `relation` plus `_version_rank`
    (always 1); callers select their columns explicitly.
-#}
{% macro stg_current_version(relation, primary_key, immutable=false) -%}
    {%- if immutable -%}
        {%- set ordering = [
            '_extract_date asc nulls last',
            '_delivery_seq asc nulls last',
            '_row_number asc nulls last',
            '_loaded_at asc nulls last',
        ] -%}
    {%- else -%}
        {%- set ordering = [
            'updated_at desc nulls last',
            '_extract_date desc nulls last',
            '_delivery_seq desc nulls last',
            '_row_number desc nulls last',
            '_loaded_at desc nulls last',
        ] -%}
    {%- endif -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ primary_key }}
                order by {{ ordering | join(', ') }}
            ) as _version_rank
        from {{ relation }}
    ) as ranked_versions
    where _version_rank = 1
{%- endmacro %}
