-- One row per grade placement (a student can change grade mid-year: several placements, each
-- effective from its effective_date). Alma's placements carry `created` but no `modified`.
with source as (
    select * from {{ source('alma', 'student_grade_levels') }}
),

renamed as (
    select
        {{ alma_id('school') }} as school,
        {{ alma_id('schoolYearId') }} as school_year_id,
        {{ alma_id('studentId') }} as student_id,
        {{ alma_id('id') }} as placement_id,
        {{ alma_id('gradeLevelId') }} as grade_level_id,
        {{ alma_date('effectiveDate') }} as effective_date,
        {{ alma_text('comment') }} as comment,
        {{ alma_id('creator') }} as creator_id,
        {{ alma_timestamp('created') }} as created_at,
        {{ alma_loaded_at() }} as loaded_at
    from source
)

select * from renamed
{{ alma_latest_per_key(['school', 'school_year_id', 'student_id', 'placement_id'], ['loaded_at desc nulls last', 'created_at desc nulls last']) }}
