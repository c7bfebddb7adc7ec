-- Customer portfolio: one row per project and contract (projects without
-- contract: one row, stage null). Every filter is optional (null = all):
--   $created_from / $created_to   project creation date (inclusive)
--   $signed_from / $signed_to     contract signature date (inclusive)
--   $responsible                  staff_id or e-mail of the responsible
--   $stages                       list of contract stages; 'none' = projects without contract
select
    project_id,
    contract_id,
    customer_name as customer,
    client_key,
    customer_code,
    coalesce(responsible_name, responsible_email) as responsible,
    responsible_staff_id,
    created_date,
    closing_status,
    environments_count as environments,
    probable_sale_amount as probable_sale,
    expected_close_on as expected_closing,
    contract_number,
    contract_signed_on as signed_date,
    specifier_name as specifier,
    environments_without_contract,
    contract_stage as stage,
    last_contact_at as last_contact,
    last_contact_source,
    purchase_orders_count as purchase_orders,
    last_purchase_order_on as last_purchase_order
from marts.portfolio_projects
where ($created_from is null or created_date >= $created_from)
  and ($created_to is null or created_date <= $created_to)
  and ($signed_from is null or contract_signed_on >= $signed_from)
  and ($signed_to is null or contract_signed_on <= $signed_to)
  and ($responsible is null or $responsible in (responsible_staff_id, responsible_email))
  and ($stages is null or list_contains($stages, contract_stage_key))
order by created_date, project_id, contract_signed_on nulls first, contract_id
