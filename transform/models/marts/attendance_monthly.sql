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
        {{ alma_attendance_day_counts() }}
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
