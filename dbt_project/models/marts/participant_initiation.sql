-- One row per enrolled participant: time to care start, initiation within 14 days and
-- engagement within 34 days (METRICS.md, "Initiation and engagement", after HEDIS IET).
with participants as (
    select
        participant_id,
        enrolled_on,
        enrolment_month,
        care_track,
        sex_at_birth,
        age_band,
        care_start_date,
        {{ days_between('enrolled_on', 'care_start_date') }} as days_to_care_start,
        {{ days_between('enrolled_on', as_of_date()) }} as days_enrolled,
        {{ days_between('care_start_date', as_of_date()) }} as days_since_care_start
    from {{ ref('int_participants_care_start') }}
),

-- Attended appointments (counted by appointment, any type) on day indexes 1 to 34
engagement_visits as (
    select
        participants.participant_id,
        count(*) as visits
    from {{ ref('int_appointments_as_of') }} as appointments
    inner join participants
        on appointments.participant_id = participants.participant_id
    where
        appointments.is_attended
        and {{ days_between('participants.care_start_date', 'appointments.scheduled_date') }}
        between 1 and 34
    group by participants.participant_id
),

flags as (
    select
        participants.*,
        coalesce(engagement_visits.visits, 0) as visits,
        case
            when participants.care_start_date is not null
                then participants.days_to_care_start <= 14
            when participants.days_enrolled >= 14 then false
        end as initiated_14d
    from participants
    left join engagement_visits
        on participants.participant_id = engagement_visits.participant_id
)

select
    cast(participant_id as string) as participant_id,
    cast(enrolled_on as date) as enrolled_on,
    cast(enrolment_month as string) as enrolment_month,
    cast(care_track as string) as care_track,
    cast(sex_at_birth as string) as sex_at_birth,
    cast(age_band as string) as age_band,
    cast(care_start_date as date) as care_start_date,
    cast(days_to_care_start as bigint) as days_to_care_start,
    cast(initiated_14d as boolean) as initiated_14d,
    cast(case
        when initiated_14d = false then false
        when initiated_14d and visits >= 2 then true
        when initiated_14d and days_since_care_start >= 34 then false
    end as boolean) as engaged_34d
from flags
