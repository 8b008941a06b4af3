-- One row per grade level *version*: Alma effective-dates grade levels, so one grade level id can have
-- several versions in a school year, each valid from its effective_date until the next version's.
-- To resolve the version in force on a date D, join on
--   school, school_year_id, grade_level_id and valid_from <= D and (valid_to is null or D < valid_to),
-- or, for dates before the first version, take the version with version_number = 1
-- (see the student_roster mart).
with source as (
    select * from {{ source('alma', 'grade_levels') }}
),

renamed as (
    select
        {{ alma_id('school') }} as school,
        {{ alma_id('schoolYearId') }} as school_year_id,
        {{ alma_id('id') }} as grade_level_id,
        {{ alma_date('effectiveDate') }} as effective_date,
        {{ alma_text('name') }} as grade_level_name,
        {{ alma_text('gradeLevelAbbr') }} as grade_level_abbr,
        {{ alma_text('equivalent') }} as equivalent,
        {{ alma_boolean('nonTeaching') }} as is_non_teaching,
        {{ alma_id('changeLogId') }} as change_log_id,
        {{ alma_timestamp('created') }} as created_at,
        {{ alma_timestamp('modified') }} as modified_at,
        {{ alma_loaded_at() }} as loaded_at
    from source
),

deduplicated as (
    select * from renamed
    {{ alma_latest_per_key(
        ['school', 'school_year_id', 'grade_level_id', 'effective_date'],
        ['loaded_at desc nulls last', 'modified_at desc nulls last']
    ) }}
)

select
    school,
    school_year_id,
    grade_level_id,
    effective_date,
    grade_level_name,
    grade_level_abbr,
    equivalent,
    is_non_teaching,
    change_log_id,
    effective_date as valid_from,
    lead(effective_date) over (
        partition by school, school_year_id, grade_level_id
        order by effective_date
    ) as valid_to,
    row_number() over (
        partition by school, school_year_id, grade_level_id
        order by effective_date
    ) as version_number,
    lead(effective_date) over (
        partition by school, school_year_id, grade_level_id
        order by effective_date
    ) is null as is_latest_version,
    created_at,
    modified_at,
    loaded_at
from deduplicated
