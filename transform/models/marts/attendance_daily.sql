-- One row per student, school and date: the day's attendance status, modifier and code.
-- Alma keeps one record per student and day; should two records share a date, the most recently
-- modified wins. A record without a status takes its attendance code's status (and modifier).
with attendance as (
    select * from {{ ref('stg_alma__attendance') }}
),

codes as (
    select * from {{ ref('stg_alma__attendance_codes') }}
),

joined as (
    select
        attendance.student_id,
        attendance.school,
        attendance.school_year_id,
        attendance.attendance_date,
        cast({{ dbt.date_trunc('month', 'attendance.attendance_date') }} as date) as month,
        coalesce(attendance.status, codes.status) as status,
        case
            when attendance.status is not null then attendance.status_modifier
            else codes.status_modifier
        end as status_modifier,
        attendance.attendance_code_id,
        codes.abbreviation as attendance_code,
        codes.code_name as attendance_code_name,
        attendance.attendance_id,
        attendance.modified_at
    from attendance
    left join codes
        on attendance.school = codes.school
        and attendance.school_year_id = codes.school_year_id
        and attendance.attendance_code_id = codes.attendance_code_id
    where attendance.attendance_date is not null
),

one_per_day as (
    select * from joined
    where 1 = 1
    qualify row_number() over (
        partition by school, student_id, attendance_date
        order by modified_at desc nulls last, attendance_id desc
    ) = 1
)

select
    student_id,
    school,
    school_year_id,
    attendance_date,
    month,
    status,
    status_modifier,
    attendance_code_id,
    attendance_code,
    attendance_code_name,
    status in ('Present', 'Late') as is_present,
    status = 'Late' as is_late,
    status = 'Absent' as is_absent,
    status = 'Absent' and status_modifier = 'Excused' as is_excused_absent,
    attendance_id
from one_per_day
