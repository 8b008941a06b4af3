-- Year to date, one row per student, school and school year (a student listed by two schools gets
-- one row per school). Chronically absent: absent on at least
-- var alma_chronic_absence_percent (10%) of school days, the usual K-12 definition.
with daily as (
    select * from {{ ref('attendance_daily') }}
),

school_years as (
    select school, school_year_id, school_year_name from {{ ref('stg_alma__school_years') }}
),

summary as (
    select
        student_id,
        school,
        school_year_id,
        min(attendance_date) as first_attendance_date,
        max(attendance_date) as last_attendance_date,
        {{ alma_attendance_day_counts() }}
    from daily
    group by student_id, school, school_year_id
)

select
    summary.student_id,
    summary.school,
    summary.school_year_id,
    school_years.school_year_name,
    summary.first_attendance_date,
    summary.last_attendance_date,
    summary.school_days,
    summary.days_present,
    summary.days_late,
    summary.days_absent,
    summary.days_excused_absent,
    {{ alma_rate('summary.days_present', 'summary.school_days') }} as attendance_rate,
    {{ alma_rate('summary.days_late', 'summary.school_days') }} as tardy_rate,
    {{ alma_rate('summary.days_absent', 'summary.school_days') }} as absence_rate,
    -- days_absent / school_days >= percent / 100, compared exactly in integers (no float rounding)
    coalesce(
        summary.days_absent * 100 >= {{ var('alma_chronic_absence_percent', 10) }} * summary.school_days,
        false
    ) as is_chronically_absent
from summary
left join school_years
    on summary.school = school_years.school
    and summary.school_year_id = school_years.school_year_id
