{#-
    json_number: every value of a text column is a number as JSON writes it (3, 2.5,
    -1, 1e3; a decimal point, no thousands separator), the way a model reads it with
    fromjson (client_alerts reads seeds/alert_thresholds.csv so, to keep 3 and 2.0 as
    written).

    On a seed, `dbt build` runs this before any model that reads the seed, and skips
    those models when it fails. On DuckDB a bad value stops the test with one message
    naming the seed file, the row (by `key_columns`) and the column, which the refresh's
    summary prints, instead of the model's compile failing later on a value it cannot
    use. Elsewhere (PostgreSQL) the failing rows are the test's result, as for any test.

        data_tests:
          - json_number:
              arguments:
                key_columns: [rule, setting]
-#}
{% test json_number(model, column_name, key_columns) %}
{%- set pattern = '-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?' -%}
{%- set row_key -%}
    {% for c in key_columns %}'{{ c }}=' || coalesce(cast({{ c }} as varchar), '(empty)'){% if not loop.last %} || ' ' || {% endif %}{% endfor %}
{%- endset -%}
select {{ key_columns | join(', ') }}, {{ column_name }}
from {{ model }}
where
    {%- if target.type == 'postgres' %}
    coalesce(trim({{ column_name }}) !~ '^{{ pattern }}$', true)
    {%- else %}
    not coalesce(regexp_full_match(trim({{ column_name }}), '{{ pattern }}'), false)
    and error(
        'seeds/{{ model.identifier }}.csv, row ' || {{ row_key }}
        || ', column {{ column_name }}: '
        || coalesce('''' || {{ column_name }} || '''', 'empty')
        || ' is not a number (write it like 3 or 2.5: a decimal point, no thousands separator)'
    ) is null
    {%- endif %}
{% endtest %}
