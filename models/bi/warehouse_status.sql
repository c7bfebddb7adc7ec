{#-
  What day the served warehouse describes, when it was built, and how late each source
  system was at that build: the line every dashboard opens with ("dados de <as_of>,
  atualizado em <time>", and the late systems by name).

  The freshness comes from the build that runs this model: `carteira refresh` and
  `carteira publish-postgres` evaluate it (carteira.operations.freshness, the rule of the refresh's
  extract_freshness checks and summary) and hand it over in the environment
  (CARTEIRA_DBT_SOURCE_FRESHNESS, JSON). It is read only when the model executes, so a
  new value never makes dbt parse the project again (macros/daily_var.sql says why). A
  dbt build without it (by hand) writes one row with the source columns null: the
  freshness was not evaluated, and the dashboards say nothing about sources.

  Tagged every_build: rebuilt by every refresh that builds anything (carteira.refresh.plan),
  so refreshed_at is the time of the last build that published, and a source delivered
  late the same day is no longer named late once its rows are built.
-#}
{{ config(tags=['as_of', 'every_build']) }}

{%- set systems = fromjson(env_var('CARTEIRA_DBT_SOURCE_FRESHNESS', '[]') if execute else '[]') -%}
{%- set refreshed_at = env_var('CARTEIRA_DBT_REFRESHED_AT', '') if execute else '' -%}

with build as (
    select
        {{ as_of_date() }} as as_of,
        -- when the build ran, business-local, handed over like the freshness (models never
        -- read the clock); null in a dbt build by hand, which nothing publishes
        cast({{ "'" ~ refreshed_at ~ "'" if refreshed_at else 'null' }} as {{ dbt.type_timestamp() }}) as refreshed_at
),

sources as (
    {%- for s in systems %}
    select
        cast('{{ s.system | replace("'", "''") }}' as varchar) as source_system,
        cast('{{ s.state | replace("'", "''") }}' as varchar) as freshness_state,
        cast({{ "'" ~ (s.last_extract | replace("'", "''")) ~ "'" if s.last_extract else 'null' }} as date) as last_extract,
        cast('{{ s.late_tables | replace("'", "''") }}' as varchar) as late_tables
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select
        cast(null as varchar) as source_system,
        cast(null as varchar) as freshness_state,
        cast(null as date) as last_extract,
        cast(null as varchar) as late_tables
    {%- endfor %}
)

select
    build.as_of,
    build.refreshed_at,
    sources.source_system,
    sources.freshness_state,
    sources.freshness_state in ('warn', 'error') as is_late,
    sources.last_extract,
    sources.late_tables
from build
cross join sources
