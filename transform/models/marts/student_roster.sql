-- One row per student, school and school year: who is enrolled, in which grade, with the
-- demographics schools report.
--
-- Grade rule: the roster describes each school year "as of" its roster_date = today (or var
-- alma_as_of_date), capped at the year's end date for past years. The student's placement is the
-- latest one effective on or before roster_date (if every placement starts later, the earliest one);
-- its grade level is resolved to the version in force on roster_date (if the grade level's first
-- version starts later, that first version), and grade_level is that version's `equivalent`.
--
-- race_reporting: ethnicity "Hispanic Or Latino" (any letter case) reports as race "Hispanic Or Latino";
-- otherwise the first race Alma lists.
with students as (
    select * from {{ ref('stg_alma__students') }}
),

school_years as (
    select
        school,
        school_year_id,
        school_year_name,
        case
            when end_date is not null and end_date < {{ alma_as_of_date() }} then end_date
            else {{ alma_as_of_date() }}
        end as roster_date
    from {{ ref('stg_alma__school_years') }}
),

placements as (
    select
        placements.school,
        placements.school_year_id,
        placements.student_id,
        placements.placement_id,
        placements.grade_level_id,
        placements.effective_date as placement_effective_date,
        school_years.roster_date
    from {{ ref('stg_alma__student_grade_levels') }} as placements
    inner join school_years
        on placements.school = school_years.school
        and placements.school_year_id = school_years.school_year_id
),

current_placement as (
    select * from placements
    where 1 = 1
    qualify row_number() over (
        partition by school, school_year_id, student_id
        order by
            case when coalesce(placement_effective_date <= roster_date, true) then 0 else 1 end,
            case when coalesce(placement_effective_date <= roster_date, true) then placement_effective_date end desc nulls last,
            placement_effective_date,
            placement_id desc
    ) = 1
),

placement_grade as (
    select
        current_placement.school,
        current_placement.school_year_id,
        current_placement.student_id,
        current_placement.placement_id,
        current_placement.grade_level_id,
        current_placement.placement_effective_date,
        current_placement.roster_date,
        grade_levels.equivalent,
        grade_levels.grade_level_name,
        grade_levels.effective_date as grade_level_effective_date
    from current_placement
    left join {{ ref('stg_alma__grade_levels') }} as grade_levels
        on current_placement.school = grade_levels.school
        and current_placement.school_year_id = grade_levels.school_year_id
        and current_placement.grade_level_id = grade_levels.grade_level_id
    where 1 = 1
    qualify row_number() over (
        partition by current_placement.school, current_placement.school_year_id, current_placement.student_id
        order by
            case when grade_levels.valid_from <= current_placement.roster_date then 0 else 1 end,
            case when grade_levels.valid_from <= current_placement.roster_date then grade_levels.valid_from end desc nulls last,
            grade_levels.valid_from
    ) = 1
)

select
    students.student_id,
    students.school,
    students.school_year_id,
    school_years.school_year_name,
    students.first_name,
    students.last_name,
    placement_grade.equivalent as grade_level,
    students.status,
    students.gender,
    students.ethnicity,
    students.race,
    case
        when lower(students.ethnicity) = 'hispanic or latino' then 'Hispanic Or Latino'
        else students.first_race
    end as race_reporting,
    students.languages,
    students.date_of_birth,
    students.graduation_year,
    placement_grade.grade_level_id,
    placement_grade.grade_level_name,
    placement_grade.placement_id,
    placement_grade.placement_effective_date,
    school_years.roster_date
from students
left join school_years
    on students.school = school_years.school
    and students.school_year_id = school_years.school_year_id
left join placement_grade
    on students.school = placement_grade.school
    and students.school_year_id = placement_grade.school_year_id
    and students.student_id = placement_grade.student_id
