{#-
    unique_combination: no two rows of the model share the same values of `columns`
    (a composite key), nulls counting as one value, as in a `group by`.

    dbt's `unique` takes one column, so composite keys used to be tested as a
    concatenated string (`coalesce(cast(a as varchar), '') || '|' || ...`): casting and
    concatenating every row made such a test about twice as slow. Grouping by the
    columns themselves hashes them as they are.
    A failing row is one duplicated key and how many rows share it.

        data_tests:
          - unique_combination:
              arguments:
                columns: [client_key, session_date]
-#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
