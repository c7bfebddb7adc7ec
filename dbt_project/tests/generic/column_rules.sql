{#-
    column_rules: every warn-severity column rule of one model, in one query.

    A rule that must stop publishing is an enforced contract constraint of the model
    (not_null, primary_key, check: the build fails on the row that breaks it). A rule
    that must only be reported, a source value outside the contract that the warehouse
    still publishes, is one of these: `not_null` lists columns that should have a value,
    `accepted_values` maps a column to the values it should take (nulls are not checked,
    as in dbt's accepted_values). One test per model instead of one per column keeps
    the build at one node and one Dagster check per model, with one scan of the model.

    A failing row names the column and the rule, how many rows break it and, for
    accepted_values, one value that is not accepted; the failure count is the number of
    offending rows (fail_calc). On DuckDB the failing rows are stored in schema `audit`
    (`audit.column_rules_<model>`), which the refresh summary reads (orchestration/run.py).

        data_tests:
          - column_rules:
              name: column_rules_<model>
              arguments:
                not_null: [email, full_name]
                accepted_values: {status: [open, done]}
              config:
                severity: warn
-#}
{% test column_rules(model, not_null=[], accepted_values={}) %}
{{ config(
    severity='warn',
    fail_calc='coalesce(sum(failing_rows), 0)',
    store_failures=(target.type == 'duckdb'),
    schema='audit',
) }}
{%- set rules = [] -%}
{%- for column in not_null -%}
    {%- do rules.append({'column': column, 'rule': 'not_null', 'breaks': adapter.quote(column) ~ ' is null', 'example': none}) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append("'" ~ (value | string | replace("'", "''")) ~ "'" if value is string else value | string) -%}
    {%- endfor -%}
    {%- do rules.append({
        'column': column,
        'rule': 'accepted_values',
        'breaks': adapter.quote(column) ~ ' not in (' ~ literals | join(', ') ~ ')',
        'example': 'cast(' ~ adapter.quote(column) ~ ' as ' ~ dbt.type_string() ~ ')',
    }) -%}
{%- endfor -%}
{%- if not rules -%}
    {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": give not_null or accepted_values") }}
{%- endif %}

with counted as (

    select
    {%- for rule in rules %}
        cast(sum(case when {{ rule.breaks }} then 1 else 0 end) as {{ dbt.type_bigint() }}) as failing_{{ loop.index }},
        {% if rule.example -%}
        min(case when {{ rule.breaks }} then {{ rule.example }} end)
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as example_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}

),

rule_results as (
    {%- for rule in rules %}

    select
        cast('{{ rule.column }}' as {{ dbt.type_string() }}) as column_name,
        cast('{{ rule.rule }}' as {{ dbt.type_string() }}) as rule_name,
        failing_{{ loop.index }} as failing_rows,
        example_{{ loop.index }} as example_value
    from counted
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select
    column_name,
    rule_name,
    failing_rows,
    example_value
from rule_results
where failing_rows > 0
{% endtest %}
