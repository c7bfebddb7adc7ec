-- Every alert rule model (int_client_alerts__<rule>) has its row in seeds/alert_rules.csv:
-- a rule without one would raise nothing, silently. A failing row names the rule.
{%- set prefix = 'int_client_alerts__' %}
{%- set rules = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name.startswith(prefix) %}
        {%- do rules.append(node.name[prefix | length:]) %}
    {%- endfor %}
{%- endif %}

with expected as (
    {%- for rule in rules | sort %}
    select '{{ rule }}' as rule
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as varchar) as rule
    where false
    {%- endfor %}
)

select expected.rule
from expected
left join {{ ref('alert_rules') }} as configured on configured.rule = expected.rule
where configured.rule is null
