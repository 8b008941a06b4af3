-- One row per school and school year.
with source as (
    select * from {{ source('alma', 'school_years') }}
),

renamed as (
    select
        {{ alma_id('school') }} as school,
        {{ alma_id('id') }} as school_year_id,
        {{ alma_text('name') }} as school_year_name,
        {{ alma_date('startDate') }} as start_date,
        {{ alma_date('endDate') }} as end_date,
        {{ alma_text('status') }} as status,
        coalesce({{ alma_text('status') }} = 'Current', false) as is_current,
        {{ alma_timestamp('created') }} as created_at,
        {{ alma_timestamp('modified') }} as modified_at,
        {{ alma_loaded_at() }} as loaded_at
    from source
)

select * from renamed
{{ alma_latest_per_key(['school', 'school_year_id'], ['loaded_at desc nulls last', 'modified_at desc nulls last']) }}
