-- One row per student, school, school year and month. school_days counts the student's days with an
-- attendance record that month (from the data, never a calendar constant); rates are over school_days.
with daily as (
    select * from {{ ref('attendance_daily') }}
),

monthly as (
    select
        student_id,
        school,
        school_year_id,
        month,
        cast(count(*) as {{ dbt.type_bigint() }}) as school_days,
        {{ alma_count_if('is_present') }} as days_present,
        {{ alma_count_if('is_late') }} as days_late,
        {{ alma_count_if('is_absent') }} as days_absent,
        {{ alma_count_if('is_excused_absent') }} as days_excused_absent
    from daily
    group by student_id, school, school_year_id, month
)

select
    student_id,
    school,
    school_year_id,
    month,
    school_days,
    days_present,
    days_late,
    days_absent,
    days_excused_absent,
    {{ alma_rate('days_present', 'school_days') }} as attendance_rate,
    {{ alma_rate('days_late', 'school_days') }} as tardy_rate
from monthly
