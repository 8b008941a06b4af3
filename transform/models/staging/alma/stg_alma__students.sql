-- One row per student, school and school year (a student can be listed by two schools, and once per year).
-- race and languages arrive as arrays (JSON on DuckDB, REPEATED on BigQuery); here they become text
-- joined with ', ' in Alma's order, plus the first listed race.
with source as (
    select * from {{ source('alma', 'students') }}
),

renamed as (
    select
        {{ alma_id('school') }} as school,
        {{ alma_id('schoolYearId') }} as school_year_id,
        {{ alma_id('id') }} as student_id,
        {{ alma_text('username') }} as username,
        {{ alma_text('firstName') }} as first_name,
        {{ alma_text('middleName') }} as middle_name,
        {{ alma_text('lastName') }} as last_name,
        {{ alma_text('preferredName') }} as preferred_name,
        {{ alma_text('schoolId') }} as local_student_number,
        {{ alma_text('stateId') }} as state_student_id,
        {{ alma_text('districtId') }} as district_student_id,
        {{ alma_text('gender') }} as gender,
        {{ alma_text('ethnicity') }} as ethnicity,
        {{ alma_array_to_text('race') }} as race,
        {{ alma_array_first('race') }} as first_race,
        {{ alma_array_length('race') }} as race_count,
        {{ alma_array_to_text('languages') }} as languages,
        {{ alma_date('dob') }} as date_of_birth,
        {{ alma_integer('graduationYear') }} as graduation_year,
        {{ alma_text('status') }} as status,
        {{ alma_timestamp('created') }} as created_at,
        {{ alma_timestamp('modified') }} as modified_at,
        {{ alma_loaded_at() }} as loaded_at
    from source
)

select * from renamed
{{ alma_latest_per_key(['school', 'school_year_id', 'student_id'], ['loaded_at desc nulls last', 'modified_at desc nulls last']) }}
