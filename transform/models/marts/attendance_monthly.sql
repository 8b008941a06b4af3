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
        count(*) as school_days,
        sum(case when is_present then 1 else 0 end) as days_present,
        sum(case when is_late then 1 else 0 end) as days_late,
        sum(case when is_absent then 1 else 0 end) as days_absent,
        sum(case when is_excused_absent then 1 else 0 end) as days_excused_absent
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
