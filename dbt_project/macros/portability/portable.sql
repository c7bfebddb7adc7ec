{#-
    Functions that DuckDB and PostgreSQL spell differently. The DuckDB
    rendering (the embedded default) is exactly the SQL the models had before,
    so DuckDB results do not change; PostgreSQL gets an equivalent.
-#}

{#- printf(template, args...): DuckDB's printf; on PostgreSQL format() with
    %d -> bigint, %.Nf -> numeric rounded to N places, %s as is, %% kept.
    Like DuckDB's printf, the result is NULL when any argument is NULL.
    `template` is a plain string (not SQL-quoted); `args` SQL expressions. -#}
{% macro portable_printf(template, args) -%}
    {{ return(adapter.dispatch('portable_printf')(template, args)) }}
{%- endmacro %}

{% macro default__portable_printf(template, args) -%}
    printf('{{ template | replace("'", "''") }}'{% for arg in args %}, {{ arg }}{% endfor %})
{%- endmacro %}

{% macro postgres__portable_printf(template, args) -%}
    {%- set spec = '%%|%[-0-9.]*[dsf]' -%}
    {%- set ns = namespace(fmt='', exprs=[], i=0) -%}
    {%- for part in modules.re.split('(' ~ spec ~ ')', template) -%}
        {%- if part == '%%' -%}
            {%- set ns.fmt = ns.fmt ~ '%%' -%}
        {%- elif modules.re.fullmatch(spec, part) -%}
            {%- set arg = args[ns.i] -%}
            {%- set ns.i = ns.i + 1 -%}
            {%- if part.endswith('d') -%}
                {%- set expr = 'cast(' ~ arg ~ ' as bigint)' -%}
            {%- elif part.endswith('f') -%}
                {%- set digits = part.split('.')[1][:-1] if '.' in part else '6' -%}
                {%- set expr = 'round(cast(' ~ arg ~ ' as numeric), ' ~ digits ~ ')' -%}
            {%- else -%}
                {%- set expr = arg -%}
            {%- endif -%}
            {%- set ns.fmt = ns.fmt ~ '%s' -%}
            {%- do ns.exprs.append(expr) -%}
        {%- else -%}
            {%- set ns.fmt = ns.fmt ~ part -%}
        {%- endif -%}
    {%- endfor -%}
    case when {% for arg in args %}({{ arg }}) is null{% if not loop.last %} or {% endif %}{% endfor %}
        then null
        else format('{{ ns.fmt | replace("'", "''") }}'{% for e in ns.exprs %}, {{ e }}{% endfor %})
    end
{%- endmacro %}

{#- Name of the function building a JSON object from key, value, key, value...:
    json_object on DuckDB, json_build_object on PostgreSQL (whose json_object
    takes arrays). -#}
{% macro json_object_function() -%}
    {{ return(adapter.dispatch('json_object_function')()) }}
{%- endmacro %}

{% macro default__json_object_function() -%}json_object{%- endmacro %}

{% macro postgres__json_object_function() -%}json_build_object{%- endmacro %}

{#- round(x, n) of a double: DuckDB rounds doubles; PostgreSQL only numerics. -#}
{% macro round_double(expr, digits) -%}
    {{ return(adapter.dispatch('round_double')(expr, digits)) }}
{%- endmacro %}

{% macro default__round_double(expr, digits) -%}round({{ expr }}, {{ digits }}){%- endmacro %}

{% macro postgres__round_double(expr, digits) -%}
    round(cast({{ expr }} as numeric), {{ digits }})
{%- endmacro %}

{#- Local clock time of a timestamp as text HH:MM: BI tools treat a TIME column as a
    date and fail on it, so served relations label the start of a session this way. -#}
{% macro time_label(expr) -%}
    {{ return(adapter.dispatch('time_label')(expr)) }}
{%- endmacro %}

{% macro default__time_label(expr) -%}strftime({{ expr }}, '%H:%M'){%- endmacro %}

{% macro postgres__time_label(expr) -%}to_char({{ expr }}, 'HH24:MI'){%- endmacro %}
