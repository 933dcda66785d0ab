-- attended + noshow + cancelled + unresolved <= scheduled (the statuses are disjoint; the rest are
-- booked on the as-of day itself), and cancellations by the patient <= cancellations.
select
    month,
    appointment_type
from {{ ref('appointment_attendance_monthly') }}
where
    attended + noshow + cancelled + unresolved > scheduled
    or cancelled_by_patient > cancelled
