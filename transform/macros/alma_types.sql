{#-
  Small helpers for the raw Alma tables. Column names are written unquoted in camelCase: DuckDB
  (target-duckdb lower-cases them, e.g. schoolyearid) and BigQuery (z3-target-bigquery keeps
  schoolYearId) both resolve identifiers case-insensitively, so one spelling works on both.

  Where the raw *types* differ, the macros below dispatch on the adapter:
    | JSON schema              | target-duckdb 0.8.0 (duckdb 1.0.0) | target-bigquery (denormalized) |
    | string, format date      | VARCHAR 'YYYY-MM-DD'               | DATE                           |
    | string, format date-time | TIMESTAMP (UTC, naive)             | TIMESTAMP                      |
    | integer                  | HUGEINT                            | INT64                          |
    | array of strings         | JSON '["a", "b"]'                  | ARRAY<STRING> (REPEATED)       |
    | object with properties   | JSON '{"k": ...}'                  | STRUCT (RECORD)                |
-#}

{#- An id or foreign key: text, trimmed, empty -> null. -#}
{% macro alma_id(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- Free text: trimmed, empty -> null. -#}
{% macro alma_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- A date-only field ('YYYY-MM-DD' text on DuckDB, DATE on BigQuery); '' or garbage -> null. -#}
{% macro alma_date(column) -%}
    {{ dbt.safe_cast(column, 'date') }}
{%- endmacro %}

{#- A created/modified timestamp (already TIMESTAMP in both warehouses, in UTC). -#}
{% macro alma_timestamp(column) -%}
    {{ dbt.safe_cast(column, dbt.type_timestamp()) }}
{%- endmacro %}

{% macro alma_boolean(column) -%}
    {{ dbt.safe_cast(column, dbt.type_boolean()) }}
{%- endmacro %}

{% macro alma_integer(column) -%}
    {{ dbt.safe_cast(column, dbt.type_bigint()) }}
{%- endmacro %}

{#- First element of an array of strings, trimmed; null when the array is null or empty. -#}
{% macro alma_array_first(column) -%}
    {{ return(adapter.dispatch('alma_array_first', 'tap_alma')(column)) }}
{%- endmacro %}

{% macro default__alma_array_first(column) -%}
    nullif(trim(json_extract_string({{ column }}, '$[0]')), '')
{%- endmacro %}

{% macro bigquery__alma_array_first(column) -%}
    nullif(trim({{ column }}[safe_offset(0)]), '')
{%- endmacro %}

{#- An array of strings as one text value, elements joined by `separator` in their listed order;
    null when the array is null or empty. -#}
{% macro alma_array_to_text(column, separator=', ') -%}
    {{ return(adapter.dispatch('alma_array_to_text', 'tap_alma')(column, separator)) }}
{%- endmacro %}

{% macro default__alma_array_to_text(column, separator) -%}
    nullif(array_to_string(cast({{ column }} as {{ dbt.type_string() }}[]), '{{ separator }}'), '')
{%- endmacro %}

{% macro bigquery__alma_array_to_text(column, separator) -%}
    nullif(array_to_string({{ column }}, '{{ separator }}'), '')
{%- endmacro %}

{#- Number of elements of an array (0 when null). -#}
{% macro alma_array_length(column) -%}
    {{ return(adapter.dispatch('alma_array_length', 'tap_alma')(column)) }}
{%- endmacro %}

{% macro default__alma_array_length(column) -%}
    coalesce(cast(json_array_length({{ column }}) as {{ dbt.type_bigint() }}), 0)
{%- endmacro %}

{% macro bigquery__alma_array_length(column) -%}
    array_length(ifnull({{ column }}, []))
{%- endmacro %}

{#- A leaf of a nested object, as text. `path` is a list of keys, e.g. ['credits', 'trackCredits']. -#}
{% macro alma_object_field(column, path) -%}
    {{ return(adapter.dispatch('alma_object_field', 'tap_alma')(column, path)) }}
{%- endmacro %}

{% macro default__alma_object_field(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path | join(".") }}')
{%- endmacro %}

{% macro bigquery__alma_object_field(column, path) -%}
    cast({{ column }}.{{ path | join(".") }} as {{ dbt.type_string() }})
{%- endmacro %}
