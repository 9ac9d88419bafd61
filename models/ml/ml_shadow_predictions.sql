-- Challengers' shadow predictions of every task (ml_predictions where role =
-- challenger): scored on the rows their champion scored, never served.
select * exclude (role)
from {{ ref('ml_predictions') }}
where role = 'challenger'
