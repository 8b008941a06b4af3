-- Every student's monthly school days (per school and school year) add up to their daily rows, and
-- the same holds for the days present, late and absent. Returns the students where they do not.
with daily as (
    select
        student_id,
        school,
        school_year_id,
        count(*) as daily_rows,
        sum(case when is_present then 1 else 0 end) as days_present,
        sum(case when is_late then 1 else 0 end) as days_late,
        sum(case when is_absent then 1 else 0 end) as days_absent
    from {{ ref('attendance_daily') }}
    group by student_id, school, school_year_id
),

monthly as (
    select
        student_id,
        school,
        school_year_id,
        sum(school_days) as school_days,
        sum(days_present) as days_present,
        sum(days_late) as days_late,
        sum(days_absent) as days_absent
    from {{ ref('attendance_monthly') }}
    group by student_id, school, school_year_id
)

select
    coalesce(daily.student_id, monthly.student_id) as student_id,
    coalesce(daily.school, monthly.school) as school,
    coalesce(daily.school_year_id, monthly.school_year_id) as school_year_id,
    daily.daily_rows,
    monthly.school_days
from daily
full outer join monthly
    on daily.student_id = monthly.student_id
    and daily.school = monthly.school
    and daily.school_year_id = monthly.school_year_id
where daily.student_id is null
    or monthly.student_id is null
    or daily.daily_rows != monthly.school_days
    or daily.days_present != monthly.days_present
    or daily.days_late != monthly.days_late
    or daily.days_absent != monthly.days_absent
