{#-
  Alert rule credit_bureau: one alert per title in status credit_bureau (reported to a
  credit bureau and still owed). Raised on credit_bureau_on.
-#}
{{ config(materialized='view') }}

with settings as (
    {{ alert_settings('credit_bureau', {}) }}
)

select
    receivables.client_key,
    'credit_bureau' as rule,
    settings.severity,
    cast(receivables.receivable_id as varchar) as subject,
    receivables.credit_bureau_on as raised_on,
    {{ portable_printf(
        'Title %s installment %d/%d (due %s, balance %s) was reported to a credit bureau on %s',
        ['receivables.document_number', 'receivables.installment_number', 'receivables.installments_total',
         'cast(receivables.due_on as varchar)', 'cast(receivables.balance as varchar)',
         'cast(receivables.credit_bureau_on as varchar)']) }} as message,
    {{ json_object_function() }}(
        'receivable_id', receivables.receivable_id,
        'document_number', receivables.document_number,
        'installment_number', receivables.installment_number,
        'due_on', receivables.due_on,
        'balance', receivables.balance,
        'days_late', receivables.days_late,
        'credit_bureau_on', receivables.credit_bureau_on
    ) as figures
from {{ ref('fct_receivables') }} as receivables
cross join settings
where settings.enabled
  and receivables.status = 'credit_bureau'
  and receivables.client_key is not null
