-- One row per attendance code of a school and school year.
with source as (
    select * from {{ source('alma', 'attendance_codes') }}
),

renamed as (
    select
        {{ alma_id('school') }} as school,
        {{ alma_id('schoolYearId') }} as school_year_id,
        {{ alma_id('id') }} as attendance_code_id,
        {{ alma_text('name') }} as code_name,
        {{ alma_text('abbreviation') }} as abbreviation,
        {{ alma_text('status') }} as status,
        {{ alma_text('statusModifier') }} as status_modifier,
        {{ alma_boolean('adminLocked') }} as is_admin_locked,
        {{ alma_boolean('isSchoolAttendance') }} as is_school_attendance,
        {{ alma_id('changeLogId') }} as change_log_id,
        {{ alma_date('effectiveDate') }} as effective_date,
        {{ alma_timestamp('created') }} as created_at,
        {{ alma_timestamp('modified') }} as modified_at,
        {{ alma_loaded_at() }} as loaded_at
    from source
)

select * from renamed
{{ alma_latest_per_key(['school', 'school_year_id', 'attendance_code_id'], ['loaded_at desc nulls last', 'modified_at desc nulls last']) }}
