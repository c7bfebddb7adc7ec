{#-
  Display labels (Portuguese and English) of the status and outcome codes the
  marts store, from the seed status_labels that business users edit. Reports
  and BI join on (domain, code) to show a label instead of a code.
-#}
with labels as (
    select domain, code, label_pt, label_en
    from {{ ref('status_labels') }}
)

select
    cast({{ dbt.concat(['domain', "':'", 'code']) }} as {{ dbt.type_string() }}) as status_label_id,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(code as {{ dbt.type_string() }}) as code,
    cast(label_pt as {{ dbt.type_string() }}) as label_pt,
    cast(label_en as {{ dbt.type_string() }}) as label_en
from labels
