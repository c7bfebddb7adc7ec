{#-
  Business rule: client document number (Brazilian CPF / CNPJ).

  Returns the document as digits only when, after removing every non-digit
  character, it is an 11-digit CPF or a 14-digit CNPJ whose two check digits
  are valid (mod-11 algorithm); otherwise NULL (the record matches nothing).
  Sequences of one repeated digit ("000.000.000-00", "11111111111") pass the
  mod-11 check but are placeholders, never a real person: they are rejected.

  Portable SQL (DuckDB, PostgreSQL): regexp_replace, substring and integer
  arithmetic only. Used by int_client_identity (valid_document_digits over the digits it
  extracts once), unit-tested there.
-#}

{%- macro _doc_weighted_sum(digits, weights) -%}
    {%- for w in weights -%}
    cast(coalesce(nullif(substring({{ digits }}, {{ loop.index }}, 1), ''), '0') as integer) * {{ w }}{% if not loop.last %} + {% endif %}
    {%- endfor -%}
{%- endmacro -%}

{%- macro _doc_check_digit(digits, weights) -%}
    (case when mod({{ _doc_weighted_sum(digits, weights) }}, 11) < 2 then 0
          else 11 - mod({{ _doc_weighted_sum(digits, weights) }}, 11) end)
{%- endmacro -%}

{%- macro _doc_digit_at(digits, position) -%}
    cast(coalesce(nullif(substring({{ digits }}, {{ position }}, 1), ''), '0') as integer)
{%- endmacro -%}

{%- macro document_digits(expr) -%}
    regexp_replace({{ expr }}, '[^0-9]', '', 'g')
{%- endmacro -%}

{#-
  The rule applied to a column that already holds the digits (document_digits). Models
  extract the digits once, in a CTE, and apply this to that column: the check expands the
  digits expression about a hundred times, and DuckDB evaluates each copy: with the
  regexp inside, the check is about ten times slower than on digits computed first.
-#}
{%- macro valid_document_digits(d) -%}
    {%- set cpf_w1 = [10, 9, 8, 7, 6, 5, 4, 3, 2] -%}
    {%- set cpf_w2 = [11, 10, 9, 8, 7, 6, 5, 4, 3, 2] -%}
    {%- set cnpj_w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] -%}
    {%- set cnpj_w2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] -%}
    (case
        when {{ d }} is null then null
        when {{ d }} = repeat(substring({{ d }}, 1, 1), length({{ d }})) then null
        when length({{ d }}) = 11
             and {{ _doc_digit_at(d, 10) }} = {{ _doc_check_digit(d, cpf_w1) }}
             and {{ _doc_digit_at(d, 11) }} = {{ _doc_check_digit(d, cpf_w2) }}
            then {{ d }}
        when length({{ d }}) = 14
             and {{ _doc_digit_at(d, 13) }} = {{ _doc_check_digit(d, cnpj_w1) }}
             and {{ _doc_digit_at(d, 14) }} = {{ _doc_check_digit(d, cnpj_w2) }}
            then {{ d }}
        else null
    end)
{%- endmacro -%}

{%- macro normalize_document_number(expr) -%}
    {{ valid_document_digits(document_digits(expr)) }}
{%- endmacro -%}
