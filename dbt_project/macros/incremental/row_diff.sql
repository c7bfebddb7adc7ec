{#-
    Incremental strategy `row_diff`: rewrite only the rows that differ.

    A large fact or report table rebuilt every day costs mostly its write: writing
    activity_bookings' millions of rows compressed takes about three times as long as
    computing them. With this strategy the model's SQL stays the whole answer (no "new rows
    since" filter, nothing to keep in step with identity merges, phone moves, soft
    deletes or as_of), dbt computes it into an in-memory temp table, and only the rows
    that differ from the stored table are deleted and inserted:

      changed keys = keys whose row (every column but the constant ones) is new,
                     gone, or different: one full join of new and stored rows on the
                     key, comparing a 64-bit hash of each row;
      delete the stored rows of those keys; insert the new rows of those keys.

    The result is the table a full rebuild would write whatever changed upstream (a
    merge moving facts to another client key, a var, a rule): no model restates what
    can change. Comparing hashes instead of the rows themselves keeps only (key, hash)
    in the join's hash table, so the diff of a wide table is faster and dbt's process
    needs about 40 % less memory than when whole rows are joined. A changed row is missed
    only if its new and old hashes collide, one chance in 2^64 per changed row.

    Configuration: `incremental_strategy: row_diff` and `on_schema_change: fail` are the
    project's defaults (dbt_project.yml); a model says
      {{ config(materialized='incremental', unique_key=<column or list of columns>,
                meta={'row_diff_constant_columns': ['as_of']}) }}   (meta optional)

    Constant columns hold one value on every row (the date a report is as of). They are
    left out of the comparison, else every row would differ every day, and set on every
    stored row afterwards; the strategy stops the build if the new rows hold more than
    one value.

    A schema change fails the model (on_schema_change='fail'); a refresh that builds
    everything (the project or vars changed) runs with --full-refresh, so it never gets
    there. DuckDB only: the PostgreSQL build starts from empty schemas and creates
    every table (carteira/serving/postgres/publish.py).
-#}
{% macro get_incremental_row_diff_sql(arg_dict) -%}
    {{ return(adapter.dispatch('row_diff_sql', 'carteira')(arg_dict)) }}
{%- endmacro %}


{% macro default__row_diff_sql(arg_dict) -%}
    {{ exceptions.raise_compiler_error(
        "incremental_strategy 'row_diff' runs on DuckDB only; build "
        ~ arg_dict['target_relation'] ~ " with --full-refresh on this target") }}
{%- endmacro %}


{% macro duckdb__row_diff_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- if not unique_key -%}
        {{ exceptions.raise_compiler_error("row_diff needs a unique_key: " ~ target) }}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set constant = config.get('meta', {}).get('row_diff_constant_columns', []) -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set compared = columns | reject('in', constant) | list -%}
    {%- set changed = '"' ~ target.identifier ~ '__row_diff_keys"' -%}

    {%- for column in constant %}
    select case when count(distinct {{ adapter.quote(column) }}) > 1
        then error('row_diff: {{ target }}.{{ column }} is configured constant but holds '
                   || count(distinct {{ adapter.quote(column) }}) || ' values')
        end
    from {{ source }};
    {%- endfor %}

    create or replace temp table {{ changed }} as
    select
        {%- for key in keys %}
        coalesce(new_rows.{{ adapter.quote(key) }}, old_rows.{{ adapter.quote(key) }})
            as {{ adapter.quote(key) }}{%- if not loop.last %},{% endif -%}
        {%- endfor %}
    from (
        select {{ _row_diff_list(keys, none) }}, hash({{ _row_diff_list(compared, none) }}) as row_hash
        from {{ source }}
    ) as new_rows
    full join (
        select {{ _row_diff_list(keys, none) }}, hash({{ _row_diff_list(compared, none) }}) as row_hash
        from {{ target }}
    ) as old_rows
        on {{ _row_diff_key_match(keys, 'new_rows', 'old_rows') }}
    where new_rows.row_hash is distinct from old_rows.row_hash;

    delete from {{ target }} as old_rows
    using {{ changed }} as changed
    where {{ _row_diff_key_match(keys, 'old_rows', 'changed') }};

    insert into {{ target }} ({{ _row_diff_list(columns, none) }})
    select {{ _row_diff_list(columns, 'new_rows') }}
    from {{ source }} as new_rows
    semi join {{ changed }} as changed
        on {{ _row_diff_key_match(keys, 'new_rows', 'changed') }};

    {%- for column in constant %}
    update {{ target }}
    set {{ adapter.quote(column) }} = (select min({{ adapter.quote(column) }}) from {{ source }})
    where {{ adapter.quote(column) }} is distinct from
        (select min({{ adapter.quote(column) }}) from {{ source }});
    {%- endfor %}

    drop table {{ changed }}
{%- endmacro %}


{% macro _row_diff_key_match(keys, left, right) -%}
    {%- for key in keys -%}
        {{ left }}.{{ adapter.quote(key) }} is not distinct from {{ right }}.{{ adapter.quote(key) }}
        {%- if not loop.last %} and {% endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro _row_diff_list(columns, alias) -%}
    {%- for column in columns -%}
        {{ alias ~ '.' if alias else '' }}{{ adapter.quote(column) }}{%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
{%- endmacro %}

