-- Display labels of the status and outcome codes (seed status_labels), one row per domain and code.
select
    labels.domain,
    labels.code,
    labels.label_pt,
    labels.label_en
from marts.dim_status_label as labels
order by labels.domain, labels.code
