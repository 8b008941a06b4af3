-- One row per attendance record (student and day).
with source as (
    select * from {{ source('alma', 'attendance') }}
),

renamed as (
    select
        {{ alma_id('school') }} as school,
        {{ alma_id('schoolYearId') }} as school_year_id,
        {{ alma_id('studentId') }} as student_id,
        {{ alma_id('id') }} as attendance_id,
        {{ alma_date(adapter.quote('date')) }} as attendance_date,
        {{ alma_id('attendanceCodeId') }} as attendance_code_id,
        {{ alma_text('status') }} as status,
        {{ alma_text('statusModifier') }} as status_modifier,
        {{ alma_text('reportedStatus') }} as reported_status,
        {{ alma_boolean('adminLocked') }} as is_admin_locked,
        {{ alma_integer('minutes') }} as minutes,
        {{ alma_integer('minutesExpected') }} as minutes_expected,
        {{ alma_text('note') }} as note,
        {{ alma_timestamp('created') }} as created_at,
        {{ alma_timestamp('modified') }} as modified_at,
        {{ alma_loaded_at() }} as loaded_at
    from source
)

select * from renamed
{{ alma_latest_per_key(['school', 'school_year_id', 'student_id', 'attendance_id'], ['loaded_at desc nulls last', 'modified_at desc nulls last']) }}
