{#-
  Business rule: phone number normalisation (docs/contract/sources.md "Cross-system identity").

  Free text -> national number: keep digits only; drop a leading "55" country
  code when the rest has 10 or 11 digits; drop one leading trunk "0"; a
  number with fewer than 10 digits after that has no area code and matches
  nothing (NULL).

  Portable SQL (DuckDB, PostgreSQL). Used by int_client_phones (client side)
  and int_calls_matched (call side), unit-tested through both.
-#}
{%- macro normalize_phone(expr) -%}
    {%- set digits = "regexp_replace(" ~ expr ~ ", '[^0-9]', '', 'g')" -%}
    {%- set no_country = "(case when substring(" ~ digits ~ ", 1, 2) = '55' and length(" ~ digits ~ ") - 2 in (10, 11) then substring(" ~ digits ~ ", 3) else " ~ digits ~ " end)" -%}
    {%- set no_trunk = "(case when substring(" ~ no_country ~ ", 1, 1) = '0' then substring(" ~ no_country ~ ", 2) else " ~ no_country ~ " end)" -%}
    (case when length({{ no_trunk }}) >= 10 then {{ no_trunk }} end)
{%- endmacro -%}
