{#-
    String cleaning shared by every staging model. Sources pad values and
    send "" for "no value"; downstream joins and group-bys must not see
    either, so strings are trimmed and the empty string becomes null.
-#}
{% macro stg_clean_string(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#-
    E-mails are matched case-insensitively across systems (erp refers to crm
    staff by e-mail), so they are lower-cased once, here.
-#}
{% macro stg_clean_email(column) -%}
    lower({{ stg_clean_string(column) }})
{%- endmacro %}
