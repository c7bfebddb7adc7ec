{#-
    The value of a var that changes with every refresh's date: as_of and extracts_through.

    `carteira refresh` passes these two in the environment (CARTEIRA_DBT_AS_OF,
    CARTEIRA_DBT_EXTRACTS_THROUGH; carteira.settings.DAILY_DBT_VARS) instead of --vars:
    dbt parses the whole project again when --vars change (~4 s at every daily
    refresh). The environment is read only when a node executes (`execute`): read while
    parsing, dbt would record it and re-parse every model using this macro when the date
    changes (55 files). The parse needs no date: refs and configs do not depend on it.
    Everywhere else (dbt run by hand, `carteira dbt`, `carteira publish-postgres`, the
    tests) those variables are unset and the var is read, with its default from
    dbt_project.yml. Models and macros read these two vars through here only
    (tests/test_settings.py checks).
-#}
{% macro daily_var(name) -%}
    {%- set from_env = env_var('CARTEIRA_DBT_' ~ (name | upper), '') if execute else '' -%}
    {{- return(from_env if from_env else var(name)) -}}
{%- endmacro %}
