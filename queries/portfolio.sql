-- Customer portfolio: one row per project and contract (projects without
-- contract: one row, stage null), from bi.portfolio_project_contracts. Every
-- filter is optional (null = all):
--   $created_from / $created_to   project creation date (inclusive)
--   $signed_from / $signed_to     contract signature date (inclusive)
--   $responsible                  staff_id or e-mail of the responsible
--   $stages                       list of contract stages; 'none' = projects without contract
select
    project_id,
    contract_id,
    customer,
    client_key,
    customer_code,
    responsible,
    responsible_staff_id,
    created_date,
    closing_status,
    environments,
    probable_sale,
    expected_closing,
    contract_number,
    signed_date,
    specifier,
    environments_without_contract,
    stage,
    last_contact,
    last_contact_source,
    purchase_orders,
    last_purchase_order
from bi.portfolio_project_contracts
where ($created_from is null or created_date >= $created_from)
  and ($created_to is null or created_date <= $created_to)
  and ($signed_from is null or signed_date >= $signed_from)
  and ($signed_to is null or signed_date <= $signed_to)
  and ($responsible is null or $responsible in (responsible_staff_id, responsible_email))
  and ($stages is null or list_contains($stages, stage_key))
order by created_date, project_id, signed_date nulls first, contract_id
