{#-
  Business rule: status of a receivable title as of a date D
  (docs/contract/sources.md "Receivable status as of a date D"). First rule that holds:
    1. cancelled_on <= D        -> cancelled
    2. renegotiated_on <= D     -> renegotiated
    3. balance <= 0             -> received
    4. credit_bureau_on <= D    -> credit_bureau
    5. collection_on <= D       -> in_collection
    6. due_on < D               -> overdue
    7. otherwise                -> open
  `balance` must already be amount minus non-reversed payments paid on or
  before D. Used by int_receivables_status, unit-tested there.
-#}
{%- macro receivable_status(as_of, balance, due_on, cancelled_on, renegotiated_on, credit_bureau_on, collection_on) -%}
    (case
        when {{ cancelled_on }} <= {{ as_of }} then 'cancelled'
        when {{ renegotiated_on }} <= {{ as_of }} then 'renegotiated'
        when {{ balance }} <= 0 then 'received'
        when {{ credit_bureau_on }} <= {{ as_of }} then 'credit_bureau'
        when {{ collection_on }} <= {{ as_of }} then 'in_collection'
        when {{ due_on }} < {{ as_of }} then 'overdue'
        else 'open'
    end)
{%- endmacro -%}

{#- Statuses whose balance is still owed: "total receivable" sums these. -#}
{%- macro receivable_statuses_owed() -%}
    ('open', 'overdue', 'credit_bureau', 'in_collection')
{%- endmacro -%}

{#- The as_of date of the build as a SQL date literal (never the wall clock). -#}
{%- macro as_of_date() -%}
    cast('{{ daily_var("as_of") }}' as date)
{%- endmacro -%}
