-- Each subscription's state at the end of every month from its first event on, with all that
-- is known today: a late-arriving event restates the months it falls in.
{{ subscription_states(ref('int_months')) }}
