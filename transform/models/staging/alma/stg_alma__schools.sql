-- One row per school of the district. The school's `id` is its slug (used as `school` everywhere else).
with source as (
    select * from {{ source('alma', 'schools') }}
),

renamed as (
    select
        {{ alma_id('id') }} as school,
        {{ alma_text('name') }} as school_name,
        {{ alma_text('url') }} as url,
        {{ alma_text('stateId') }} as state_school_id,
        {{ alma_text('districtId') }} as district_id,
        {{ alma_boolean(alma_object_field('settings', ['credits', 'trackCredits'])) }} as tracks_credits,
        {{ dbt.safe_cast(alma_object_field('settings', ['credits', 'defaultCredits']), alma_type_double()) }} as default_credits,
        {{ alma_boolean(alma_object_field('settings', ['transcripts', 'enabled'])) }} as transcripts_enabled,
        {{ alma_boolean(alma_object_field('settings', ['transcripts', 'courseAllocation'])) }} as transcripts_course_allocation,
        {{ alma_timestamp('created') }} as created_at,
        {{ alma_timestamp('modified') }} as modified_at,
        {{ alma_loaded_at() }} as loaded_at
    from source
)

select * from renamed
{{ alma_latest_per_key(['school'], ['loaded_at desc nulls last', 'modified_at desc nulls last']) }}
