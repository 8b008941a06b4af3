{#- Composite-key relationships: fails for every distinct (columns) of the model with no row in `to`
    having the same values in `to_columns` (default: the same column names). -#}
{% test relationships_on_columns(model, to, columns, to_columns=none) %}
{%- set to_columns = to_columns or columns -%}
select distinct {% for c in columns %}child.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
from {{ model }} as child
left join {{ to }} as parent
    on {% for c in columns %}child.{{ c }} = parent.{{ to_columns[loop.index0] }}{{ ' and ' if not loop.last }}{% endfor %}
where parent.{{ to_columns[0] }} is null
  and {% for c in columns %}child.{{ c }} is not null{{ ' and ' if not loop.last }}{% endfor %}
{% endtest %}
