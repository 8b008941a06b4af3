{#- The loader's batch timestamp, used to pick the latest copy of a row (see var
    alma_loader_metadata_columns in dbt_project.yml). -#}
{% macro alma_loaded_at() -%}
    {%- if var('alma_loader_metadata_columns', true) -%}
        {{ alma_timestamp('_sdc_batched_at') }}
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- Keep one row per key: the most recently loaded, then the most recently modified.
    Loaders upsert on the primary key already; this keeps staging correct if they ever append. -#}
{% macro alma_latest_per_key(key_columns, order_by) -%}
    where 1 = 1
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ order_by | join(', ') }}
    ) = 1
{%- endmacro %}

{#- The date the roster describes: var alma_as_of_date, else today. -#}
{% macro alma_as_of_date() -%}
    {%- if var('alma_as_of_date', none) -%}
        cast('{{ var("alma_as_of_date") }}' as date)
    {%- else -%}
        cast({{ dbt.current_timestamp() }} as date)
    {%- endif -%}
{%- endmacro %}

{#- numerator / denominator as a float rounded to 4 places; null when the denominator is 0. -#}
{% macro alma_rate(numerator, denominator) -%}
    round(cast({{ numerator }} as {{ alma_type_double() }}) / nullif({{ denominator }}, 0), 4)
{%- endmacro %}

{#- A 64-bit float (dbt.type_float() is a 32-bit REAL on DuckDB). -#}
{% macro alma_type_double() -%}
    {{ return(adapter.dispatch('alma_type_double', 'tap_alma')()) }}
{%- endmacro %}

{% macro default__alma_type_double() -%}
    double
{%- endmacro %}

{% macro bigquery__alma_type_double() -%}
    float64
{%- endmacro %}

{#- Number of rows where `condition` holds, as a 64-bit integer (DuckDB's sum() would give HUGEINT). -#}
{# The day counts of attendance_daily rows, one rule for the monthly and the year-to-date marts, so they
   cannot disagree: school_days are the days with an attendance record; Present includes Late. #}
{% macro alma_attendance_day_counts() -%}
    cast(count(*) as {{ dbt.type_bigint() }}) as school_days,
        {{ alma_count_if('is_present') }} as days_present,
        {{ alma_count_if('is_late') }} as days_late,
        {{ alma_count_if('is_absent') }} as days_absent,
        {{ alma_count_if('is_excused_absent') }} as days_excused_absent
{%- endmacro %}

{% macro alma_count_if(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}
